"""Pre-order release dates come from the ``backorder_connector.release_date`` metafields.

The product's metafield dates every variant; a variant's own metafield wins. Every read path
(incremental pages, reads by id, bulk first syncs) must see the same dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from connector.model import Variant
from connector.platform import Resource, ResyncTarget
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import Rig, make_rig

PREORDERS = SeedSpec(seed=5, products=15, customers=8, orders=30, preorder_share=0.3)


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = make_rig(PREORDERS)
    yield made
    made.adapter.close()
    made.store.stop()


def _variants(rig: Rig, cursor: str | None = None) -> dict[str, Variant]:
    pages, _ = rig.sync(Resource.PRODUCTS, cursor)
    return {v.sku: v for p in pages for v in p.variants}


def _seeded_release_dates(rig: Rig) -> dict[str, date | None]:
    state = rig.store.state()
    release = {
        gid: (date.fromisoformat(p["release_date"]) if p["release_date"] else None)
        for gid, p in state["products"].items()
    }
    return {v["sku"]: release[v["product_id"]] for v in state["variants"].values()}


def test_a_paged_sync_dates_every_preorder_variant_as_the_shop_does(rig: Rig) -> None:
    expected = _seeded_release_dates(rig)
    assert any(expected.values()), "the seed has pre-order products"
    variants = _variants(rig)
    assert {sku: v.release_date for sku, v in variants.items()} == expected


def test_a_bulk_first_sync_dates_the_same_variants() -> None:
    rig = make_rig(PREORDERS, bulk_threshold=10)
    try:
        expected = _seeded_release_dates(rig)
        variants = _variants(rig)
        assert any(expected.values())
        assert {sku: v.release_date for sku, v in variants.items()} == expected
        assert "BulkRun" in {e.operation for e in rig.store.log.entries()}
    finally:
        rig.adapter.close()
        rig.store.stop()


def test_a_variant_release_date_wins_over_the_product_and_reads_by_id_see_it(rig: Rig) -> None:
    _, cursor = rig.sync(Resource.PRODUCTS, None)
    preorder_sku = next(sku for sku, d in _seeded_release_dates(rig).items() if d)
    variant = rig.store.data.variant_by_sku(preorder_sku)
    rig.clock.advance(timedelta(minutes=5))
    with rig.store.data.lock:
        rig.store.data.set_metafield(
            variant, "backorder_connector", "release_date", "2027-02-01", "date"
        )
    changed = _variants(rig, cursor)
    assert changed[preorder_sku].release_date == date(2027, 2, 1)
    product_gid = f"gid://shopify/Product/{variant.product_id}"
    page = rig.adapter.fetch(ResyncTarget(product_ids=(product_gid,)))
    assert {v.sku: v.release_date for v in page.variants}[preorder_sku] == date(2027, 2, 1)


def test_a_release_date_set_later_reaches_the_product_read_by_id(rig: Rig) -> None:
    plain = next(sku for sku, d in _seeded_release_dates(rig).items() if d is None)
    rig.store.set_release_date(plain, date(2027, 3, 15))
    variant = rig.store.data.variant_by_sku(plain)
    page = rig.adapter.fetch(
        ResyncTarget(product_ids=(f"gid://shopify/Product/{variant.product_id}",))
    )
    assert {v.sku: v.release_date for v in page.variants}[plain] == date(2027, 3, 15)
    rig.store.set_release_date(plain, None)
    page = rig.adapter.fetch(ResyncTarget(skus=(plain,)))
    assert {v.sku: v.release_date for v in page.variants}[plain] is None


def test_someone_elses_text_in_the_release_key_is_no_date_and_skips_nothing(rig: Rig) -> None:
    sku = next(iter(_seeded_release_dates(rig)))
    product = rig.store.data.products[rig.store.data.variant_by_sku(sku).product_id]
    with rig.store.data.lock:
        rig.store.data.set_metafield(
            product, "backorder_connector", "release_date", "soon!", "single_line_text_field"
        )
    pages, _ = rig.sync(Resource.PRODUCTS, None)
    variants = {v.sku: v for p in pages for v in p.variants}
    assert variants[sku].release_date is None
    assert not [s for p in pages for s in p.skipped]


def test_merchants_can_set_a_product_release_date_through_metafields_set(rig: Rig) -> None:
    sku = next(sku for sku, d in _seeded_release_dates(rig).items() if d is None)
    product_id = rig.store.data.variant_by_sku(sku).product_id
    data = rig.adapter.client.execute(
        "mutation M($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {"
        " userErrors { message } } }",
        {
            "m": [
                {
                    "ownerId": f"gid://shopify/Product/{product_id}",
                    "namespace": "backorder_connector",
                    "key": "release_date",
                    "type": "date",
                    "value": "2027-04-30",
                }
            ]
        },
        key="M",
    )
    assert data["metafieldsSet"]["userErrors"] == []
    assert rig.store.data.products[product_id].release_date == date(2027, 4, 30)
    assert _seeded_release_dates(rig)[sku] == date(2027, 4, 30)


def test_the_seed_has_preorders_and_plain_products() -> None:
    # Guard: the tests above need both kinds in the seeded catalog.
    from connector.sandbox.seed import generate_products

    kinds = {p.release_date is None for p in generate_products(PREORDERS)}
    assert kinds == {True, False}
