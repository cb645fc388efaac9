"""Stock at every location: a variant's numbers are the sum over the shop's active locations.

The shop here has five locations and spreads each tracked variant's stock over them (the
sandbox's ``locations``), so a read that stops at the third location shows less stock than the
owner has: in-stock variants would look out of stock, and get needless holds and mails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from connector.model import Variant
from connector.platform import ChangePage, Resource, ResyncTarget
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import Rig, make_rig

SPEC = SeedSpec(seed=9, products=30, customers=6, orders=12, out_of_stock_share=0.1)


@pytest.fixture(params=["paged", "bulk"])
def five(request: pytest.FixtureRequest) -> Iterator[Rig]:
    threshold = 10 if request.param == "bulk" else 100_000
    made = make_rig(SPEC, locations=5, bulk_threshold=threshold)
    yield made
    made.adapter.close()
    made.store.stop()


def _variants(pages: list[ChangePage]) -> dict[str, Variant]:
    return {v.platform_id: v for p in pages for v in p.variants}


def _shop_numbers(rig: Rig) -> dict[str, tuple[int, int]]:
    return {
        gid: (v["available"], v["committed"])
        for gid, v in rig.store.state()["variants"].items()
        if v["tracked"]
    }


def test_first_sync_counts_stock_at_all_five_locations(five: Rig) -> None:
    pages, _ = five.sync(Resource.PRODUCTS, None)
    read = _variants(pages)
    shop = _shop_numbers(five)
    # Some variants hold stock at the fourth and fifth locations, or this proves nothing.
    assert any(available >= 4 for available, _ in shop.values())
    assert {gid: (read[gid].available, read[gid].committed) for gid in shop} == shop


def test_incremental_reads_count_the_same_stock_as_the_first_sync(five: Rig) -> None:
    _, cursor = five.sync(Resource.PRODUCTS, None)
    skus = sorted(v["sku"] for v in five.store.state()["variants"].values() if v["tracked"])[:4]
    five.clock.advance(timedelta(minutes=5))
    for sku in skus:
        five.store.receive_stock(sku, 7)
    pages, _ = five.sync(Resource.PRODUCTS, cursor)
    read = {v.sku: v for v in _variants(pages).values()}
    shop = {v["sku"]: v["available"] for v in five.store.state()["variants"].values()}
    assert {sku: read[sku].available for sku in skus} == {sku: shop[sku] for sku in skus}


def test_a_quiet_cycle_with_five_locations_still_costs_at_most_two_requests(five: Rig) -> None:
    _, catalog = five.sync(Resource.PRODUCTS, None)
    _, orders = five.sync(Resource.ORDERS, None)
    five.clock.advance(timedelta(minutes=10))
    _, catalog = five.sync(Resource.PRODUCTS, catalog)
    _, orders = five.sync(Resource.ORDERS, orders)
    five.clock.advance(timedelta(minutes=10))
    before = len(five.store.log)
    five.sync(Resource.PRODUCTS, catalog)
    five.sync(Resource.ORDERS, orders)
    assert len(five.store.log) - before <= 2


def test_an_item_at_twelve_locations_is_read_past_the_first_page_of_levels() -> None:
    rig = make_rig(SPEC, locations=12)
    try:
        pages, cursor = rig.sync(Resource.PRODUCTS, None)
        shop = _shop_numbers(rig)
        assert any(available >= 11 for available, _ in shop.values())
        read = _variants(pages)
        assert {gid: (read[gid].available, read[gid].committed) for gid in shop} == shop
        # Having met 12 locations, later reads ask for 12 levels at once: no extra calls.
        rig.clock.advance(timedelta(minutes=5))
        skus = sorted(v["sku"] for v in rig.store.state()["variants"].values() if v["tracked"])
        for sku in skus[:6]:
            rig.store.receive_stock(sku, 3)
        before = len(rig.store.log)
        changed = _variants(rig.sync(Resource.PRODUCTS, cursor)[0])
        assert {v.sku for v in changed.values()} >= set(skus[:6])
        extra = [e.operation for e in rig.store.log.entries()[before:]]
        assert not [op for op in extra if op.startswith("InventoryLevels")]
        # A webhook's re-read of one product (adapter.fetch) counts the same.
        shop = _shop_numbers(rig)
        product = next(p for p in pages if p.products).products[0].platform_id
        again = rig.adapter.fetch(ResyncTarget(product_ids=(product,)))
        assert again.variants
        assert all(
            (v.available, v.committed) == shop[v.platform_id] for v in again.variants if v.tracked
        )
    finally:
        rig.adapter.close()
        rig.store.stop()


def test_check_says_which_locations_are_counted() -> None:
    rig = make_rig(SPEC, locations=5)
    try:
        report = rig.adapter.check()
        assert report.details["locations"] == (
            "stock summed over 5 active location(s): "
            "Warehouse, Location 2, Location 3, Location 4, Location 5"
        )
    finally:
        rig.adapter.close()
        rig.store.stop()
