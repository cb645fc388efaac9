"""Reading a shop against the sandbox: exactly the changes, cheaply, paced, through faults."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from connector.model import Order, OrderStatus, Variant
from connector.platform import ChangePage, Resource
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import Rig, make_rig


def _collect(pages: list[ChangePage]) -> tuple[dict[str, Variant], dict[str, Order], set[str]]:
    variants = {v.platform_id: v for p in pages for v in p.variants}
    orders = {o.platform_id: o for p in pages for o in p.orders}
    products = {x.platform_id for p in pages for x in p.products}
    return variants, orders, products


def _matches_store(
    state: dict[str, Any], variants: dict[str, Variant], orders: dict[str, Order]
) -> None:
    assert set(variants) == set(state["variants"])
    for gid, variant in variants.items():
        shop = state["variants"][gid]
        assert (variant.sku, variant.inventory_policy.value.upper(), variant.tracked) == (
            shop["sku"],
            shop["policy"],
            shop["tracked"],
        )
        if variant.tracked:
            assert (variant.available, variant.committed) == (shop["available"], shop["committed"])
    assert set(orders) == set(state["orders"])
    for gid, order in orders.items():
        shop = state["orders"][gid]
        assert order.number == shop["name"] and order.customer.email == shop["email"]
        assert {line.platform_id: line.quantity for line in order.lines} == {
            k: v["quantity"] for k, v in shop["lines"].items()
        }
        assert (order.status is OrderStatus.CANCELLED) == shop["cancelled"]


def test_full_sync_matches_the_shop_and_marks_preorder_lines(rig: Rig) -> None:
    catalog, _ = rig.sync(Resource.PRODUCTS, None)
    orders, _ = rig.sync(Resource.ORDERS, None)
    variants, by_id, products = _collect(catalog + orders)
    state = rig.store.state()
    _matches_store(state, variants, by_id)
    assert products == set(state["products"])
    preorder_lines = {line.sku for o in by_id.values() for line in o.lines if line.preorder}
    expected = {
        line["sku"]
        for o in state["orders"].values()
        for line in o["lines"].values()
        if line["preorder"]
    }
    assert preorder_lines == expected
    assert all(not p.skipped for p in catalog + orders)


def test_incremental_sync_after_50_changes_fetches_exactly_the_changed_objects(rig: Rig) -> None:
    _, catalog_cursor = rig.sync(Resource.PRODUCTS, None)
    _, order_cursor = rig.sync(Resource.ORDERS, None)
    rig.clock.advance(timedelta(minutes=30))
    state = rig.store.state()
    skus = sorted(v["sku"] for v in state["variants"].values() if v["tracked"])[:25]
    for sku in skus:  # 25 restocks
        rig.store.receive_stock(sku, 3)
    continue_sku = next(
        v["sku"] for v in state["variants"].values() if v["policy"] == "CONTINUE" and v["tracked"]
    )
    placed = [rig.store.place_order(f"c{i}@example.com", [(continue_sku, 1)]) for i in range(15)]
    cancelled = sorted(state["orders"])[:10]
    for order_id in cancelled:  # 10 cancellations
        rig.store.cancel_order(order_id)
    catalog, _ = rig.sync(Resource.PRODUCTS, catalog_cursor)
    orders, _ = rig.sync(Resource.ORDERS, order_cursor)
    variants, by_id, _ = _collect(catalog + orders)
    # Stock moved for the restocked SKUs, the SKU ordered, and what the cancellations put back.
    touched = {*skus, continue_sku}
    touched |= {
        line["sku"]
        for order_id in cancelled
        for line in state["orders"][order_id]["lines"].values()
    }
    changed_variants = {
        g for g, v in state["variants"].items() if v["sku"] in touched and v["tracked"]
    }
    assert set(variants) == changed_variants
    assert set(by_id) == set(placed) | set(cancelled)
    assert sum(len(p.variants) for p in catalog) == len(changed_variants)  # no repeats either
    assert sum(len(p.orders) for p in orders) == 25


def test_a_cycle_with_no_change_costs_at_most_two_requests(rig: Rig) -> None:
    _, catalog_cursor = rig.sync(Resource.PRODUCTS, None)
    _, order_cursor = rig.sync(Resource.ORDERS, None)
    # The first cycle after a read re-checks its overlap window (search may lag a write)...
    rig.clock.advance(timedelta(minutes=10))
    _, catalog_cursor = rig.sync(Resource.PRODUCTS, catalog_cursor)
    _, order_cursor = rig.sync(Resource.ORDERS, order_cursor)
    # ...after which a quiet shop costs one empty page per resource.
    rig.clock.advance(timedelta(minutes=10))
    before = len(rig.store.log)
    catalog, catalog_cursor = rig.sync(Resource.PRODUCTS, catalog_cursor)
    orders, order_cursor = rig.sync(Resource.ORDERS, order_cursor)
    assert len(rig.store.log) - before <= 2
    assert not any(p.products or p.variants or p.orders for p in catalog + orders)


def test_faults_at_ten_percent_end_with_the_same_objects(rig: Rig) -> None:
    clean_catalog, _ = rig.sync(Resource.PRODUCTS, None)
    clean_orders, _ = rig.sync(Resource.ORDERS, None)
    expected = _collect(clean_catalog + clean_orders)
    rig.store.faults.slow_seconds = 2.0  # past the noisy adapter's 1 s timeout
    rig.store.faults.set_rate(
        0.1, kinds=("429", "500", "503", "reset", "truncate", "throttled", "slow"), seed=7
    )
    noisy = rig.adapter  # the same adapter a daemon keeps: it has learned the shop's costs
    noisy.client.policy = replace(noisy.client.policy, timeout=1.0)
    catalog = list(noisy.read_changes(Resource.PRODUCTS, None))
    orders = list(noisy.read_changes(Resource.ORDERS, None))
    assert _collect(catalog + orders) == expected
    assert noisy.usage.retries > 0
    assert any(e.fault for e in rig.store.log.entries())


def test_a_small_bucket_5000_order_sync_is_never_throttled_after_the_first() -> None:
    spec = SeedSpec(
        seed=9,
        products=40,
        customers=50,
        orders=5000,
        lines_per_order=(1, 2),
        out_of_stock_share=0.0,
    )
    rig = make_rig(spec, bucket_size=100, restore_rate=10)
    try:
        pages, _ = rig.sync(Resource.ORDERS, None)
        assert sum(len(p.orders) for p in pages) == len(rig.store.data.orders)
        assert rig.adapter.usage.throttled <= 1
        assert rig.store.graphql.throttled_answers <= 1  # counted by the shop itself
    finally:
        rig.adapter.close()
        rig.store.stop()


def test_a_big_first_sync_goes_through_a_bulk_operation_and_gets_the_same_objects() -> None:
    rig = make_rig(bulk_threshold=10)
    try:
        catalog, cursor = rig.sync(Resource.PRODUCTS, None)
        orders, _ = rig.sync(Resource.ORDERS, None)
        assert any(e.operation == "BulkRun" for e in rig.store.log.entries())
        variants, by_id, products = _collect(catalog + orders)
        _matches_store(rig.store.state(), variants, by_id)
        assert products == set(rig.store.state()["products"])
        assert cursor is not None
    finally:
        rig.adapter.close()
        rig.store.stop()


def test_the_first_incremental_read_after_a_bulk_sync_repeats_nothing_unchanged() -> None:
    rig = make_rig(bulk_threshold=10)
    try:
        _, catalog_cursor = rig.sync(Resource.PRODUCTS, None)
        _, order_cursor = rig.sync(Resource.ORDERS, None)
        rig.clock.advance(timedelta(seconds=2))
        again = rig.sync(Resource.PRODUCTS, catalog_cursor)[0]
        again += rig.sync(Resource.ORDERS, order_cursor)[0]
        variants, orders, products = _collect(again)
        assert (variants, orders, products) == ({}, {}, set())
        # A change after the snapshot still comes through.
        sku = next(iter(rig.store.state()["variants"].values()))["sku"]
        rig.store.receive_stock(sku, 5)
        changed = _collect(rig.sync(Resource.PRODUCTS, catalog_cursor)[0])[0]
        assert [v.sku for v in changed.values()] == [sku]
    finally:
        rig.adapter.close()
        rig.store.stop()
