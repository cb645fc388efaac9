"""Variations across parents (``GET /wc/v3/variations``, WooCommerce 10.3+) over real HTTP.

PLATFORMS.md: "Variations come per parent (``/products/{id}/variations``); WooCommerce 10.3+ adds
``GET /wc/v3/variations``". WooCommerce's ``WC_REST_Variations_Controller`` (since 10.3.0) is the
per-parent controller with no parent fixed, its rows with ``parent_id``: ``parent=`` and
``include=`` pick variations of many products. A store before 10.3 answers 404 ``rest_no_route``.
The sandbox serves the route by its reported version; the adapter uses it where served (one
request for up to 100 changed variable products, instead of one each) and reads per parent where
not, with the same variants either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.errors import PlatformItemError
from connector.model import Variant
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SPEC = SeedSpec(seed=9, products=40, variants_per_product=(1, 4), orders=10)


def _start(clock: FrozenClock, version: str) -> WooCommerceSandbox:
    store = WooCommerceSandbox(SPEC, clock=clock, version=version).start()
    store.advance_clock(timedelta(seconds=5))
    return store


@pytest.fixture
def stores(clock: FrozenClock) -> Iterator[dict[str, WooCommerceSandbox]]:
    made = {version: _start(clock, version) for version in ("7.9.0", "10.3.0")}
    try:
        yield made
    finally:
        for store in made.values():
            store.stop()


def _adapter(store: WooCommerceSandbox) -> WooCommerceAdapter:
    return WooCommerceAdapter(settings_for(store), clock=store.clock, sleep=lambda _s: None)


def _sync(adapter: WooCommerceAdapter, cursor: str | None = None) -> tuple[list[Variant], str]:
    variants: list[Variant] = []
    for page in adapter.read_changes(Resource.PRODUCTS, cursor):
        variants += page.variants
        cursor = page.cursor or cursor
    assert cursor is not None
    return variants, cursor


def _reads(store: WooCommerceSandbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in store.log.entries():
        if entry.method == "GET":
            name = entry.operation.removeprefix("GET ")
            counts[name] = counts.get(name, 0) + 1
    return counts


def _seen(variants: list[Variant]) -> list[Variant]:
    return sorted(variants, key=lambda v: v.platform_id)


def test_a_10_3_store_serves_variations_across_parents_and_an_older_one_does_not(
    stores: dict[str, WooCommerceSandbox],
) -> None:
    new, old = stores["10.3.0"], stores["7.9.0"]
    adapter = _adapter(new)
    try:
        parents = [p for p in new.catalog.items.values() if p.children][:3]
        wanted = ",".join(str(p.id) for p in parents)
        answer = adapter.client.get("variations", {"parent": wanted, "per_page": 100})
        rows = answer.body
        assert {row["parent_id"] for row in rows} == {p.id for p in parents}
        assert sorted(row["id"] for row in rows) == sorted(c for p in parents for c in p.children)
        one = rows[0]["id"]
        only = adapter.client.get("variations", {"include": str(one)}).body
        assert [row["id"] for row in only] == [one]
        assert "/wc/v3/variations" in adapter.client.get("").body["routes"]
    finally:
        adapter.close()
    older = _adapter(old)
    try:
        with pytest.raises(PlatformItemError) as refused:
            older.client.get("variations", {"per_page": 100})
        assert refused.value.details.status == 404
        assert refused.value.details.code == "rest_no_route"
        assert "/wc/v3/variations" not in older.client.get("").body["routes"]
    finally:
        older.close()


def test_a_full_sync_reads_variations_in_one_request_where_the_store_can(
    stores: dict[str, WooCommerceSandbox],
) -> None:
    new, old = stores["10.3.0"], stores["7.9.0"]
    variable = sum(1 for p in new.catalog.items.values() if p.kind == "variable")
    assert variable > 10

    seen = {}
    for version, store in stores.items():
        store.log.clear()
        adapter = _adapter(store)
        try:
            seen[version], _ = _sync(adapter)
        finally:
            adapter.close()
    assert _seen(seen["10.3.0"]) == _seen(seen["7.9.0"])  # the same variants either way
    assert _reads(new).get("all_variations") == 1 and "variations" not in _reads(new)
    # The older store: asked once (404), then one request per variable product, as before.
    assert _reads(old).get("all_variations") == 1 and _reads(old)["variations"] == variable


def test_orders_that_move_stock_of_many_products_cost_one_variations_request(
    stores: dict[str, WooCommerceSandbox],
) -> None:
    store = stores["10.3.0"]
    adapter = _adapter(store)
    try:
        _, cursor = _sync(adapter)
        sold = [
            store.catalog.items[p.children[0]]
            for p in store.catalog.items.values()
            if p.kind == "variable"
            and p.children
            and store.catalog.items[p.children[0]].manage_stock
        ][:12]
        assert len(sold) > 5
        for variation in sold:
            store.place_order("ada@example.com", [(variation.sku, 1)], checkout=False)
        store.advance_clock(timedelta(minutes=1))
        store.log.clear()
        variants, _ = _sync(adapter, cursor)
    finally:
        adapter.close()
    after = {v.platform_id: v.available for v in variants}
    assert all(after[str(v.id)] == v.stock for v in sold)  # each sale read back
    reads = _reads(store)
    assert reads.get("all_variations") == 1 and "variations" not in reads
