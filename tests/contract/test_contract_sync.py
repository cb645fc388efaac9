"""Reading, for every adapter: full and incremental syncs against the harness's sandbox store.

Written against the Harness protocol, ``connector.platform`` and ``connector.sandbox.base`` only.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.model import InventoryPolicy, Order, OrderStatus, Variant
from connector.platform import ChangePage, Resource, ResyncTarget
from tests.contract.harness import Harness


def sync(
    harness: Harness, resource: Resource, cursor: str | None
) -> tuple[list[ChangePage], str | None]:
    pages = list(harness.adapter.read_changes(resource, cursor))
    for page in pages:
        assert page.resource is resource
        if page.cursor is not None:
            cursor = page.cursor
    return pages, cursor


def variants_of(pages: list[ChangePage]) -> dict[str, Variant]:
    return {v.platform_id: v for page in pages for v in page.variants}


def orders_of(pages: list[ChangePage]) -> dict[str, Order]:
    return {o.platform_id: o for page in pages for o in page.orders}


def settle(harness: Harness) -> None:
    """Let time pass beyond the overlap window, as between two scheduled cycles."""
    harness.store.advance_clock(timedelta(seconds=harness.settings.overlap_seconds + 60))


def test_a_full_sync_reads_every_variant_and_order_and_ends_with_a_cursor(harness: Harness) -> None:
    catalog, catalog_cursor = sync(harness, Resource.PRODUCTS, None)
    orders, order_cursor = sync(harness, Resource.ORDERS, None)
    # Both stores list their orders under "orders"; variants are checked one by one below.
    assert len(orders_of(orders)) == len(harness.store.state()["orders"])
    assert variants_of(catalog)
    assert catalog_cursor is not None and order_cursor is not None
    assert not any(page.skipped for page in catalog + orders)
    for variant in variants_of(catalog).values():
        assert variant.shop == harness.settings.name
        assert variant.updated_at.tzinfo is not None
        assert harness.sku_of(variant.platform_id) == variant.sku


def test_an_incremental_sync_sees_a_new_order_a_restock_and_a_cancellation(
    harness: Harness,
) -> None:
    catalog, catalog_cursor = sync(harness, Resource.PRODUCTS, None)
    orders, order_cursor = sync(harness, Resource.ORDERS, None)
    settle(harness)
    variants = variants_of(catalog)
    restocked = next(v for v in variants.values() if v.tracked)
    keeps_selling = next(
        v for v in variants.values() if v.tracked and v.inventory_policy is InventoryPolicy.CONTINUE
    )
    harness.store.receive_stock(restocked.sku, 5)
    placed = harness.store.place_order(
        "contract@example.com", [(keeps_selling.sku, 2)], name="Con Tract"
    )
    victim = next(o for o in orders_of(orders).values() if o.status is OrderStatus.OPEN)
    harness.store.cancel_order(victim.platform_id)

    new_catalog, _ = sync(harness, Resource.PRODUCTS, catalog_cursor)
    new_orders, _ = sync(harness, Resource.ORDERS, order_cursor)
    changed = variants_of(new_catalog)
    assert changed[restocked.platform_id].available == restocked.available + 5
    assert changed[keeps_selling.platform_id].available == keeps_selling.available - 2
    seen = orders_of(new_orders)
    assert placed in seen and seen[placed].customer.email == "contract@example.com"
    assert sum(line.quantity for line in seen[placed].lines) == 2
    assert seen[victim.platform_id].status is OrderStatus.CANCELLED
    untouched = set(orders_of(orders)) - {victim.platform_id}
    assert not untouched & set(seen), "orders that did not change were read again"


def test_a_quiet_shop_gives_empty_pages_once_settled(harness: Harness) -> None:
    _, catalog_cursor = sync(harness, Resource.PRODUCTS, None)
    _, order_cursor = sync(harness, Resource.ORDERS, None)
    for _ in range(2):
        settle(harness)
        catalog, catalog_cursor = sync(harness, Resource.PRODUCTS, catalog_cursor)
        orders, order_cursor = sync(harness, Resource.ORDERS, order_cursor)
    assert not variants_of(catalog) and not orders_of(orders)


def test_reading_again_from_an_older_cursor_is_safe(harness: Harness) -> None:
    # The caller saves a cursor only after committing; a crash means reading from the older one.
    _, cursor = sync(harness, Resource.ORDERS, None)
    settle(harness)
    keeps_selling = next(
        v
        for v in variants_of(sync(harness, Resource.PRODUCTS, None)[0]).values()
        if v.tracked and v.inventory_policy is InventoryPolicy.CONTINUE
    )
    placed = harness.store.place_order("again@example.com", [(keeps_selling.sku, 1)])
    first, _ = sync(harness, Resource.ORDERS, cursor)
    second, _ = sync(harness, Resource.ORDERS, cursor)
    assert placed in orders_of(first) and orders_of(first) == orders_of(second)


def test_fetch_rereads_exactly_the_named_order(harness: Harness) -> None:
    orders = orders_of(sync(harness, Resource.ORDERS, None)[0])
    wanted = sorted(orders)[0]
    page = harness.adapter.fetch(ResyncTarget(order_ids=(wanted,)))
    assert [o.platform_id for o in page.orders] == [wanted]
    assert page.orders[0].lines == orders[wanted].lines


def test_fetch_finds_a_new_order_by_the_number_the_customer_quotes(harness: Harness) -> None:
    # Support resyncs an order the database has not seen yet: only its number is at hand.
    variants = variants_of(sync(harness, Resource.PRODUCTS, None)[0])
    keeps_selling = next(
        v for v in variants.values() if v.tracked and v.inventory_policy is InventoryPolicy.CONTINUE
    )
    placed = harness.store.place_order("quoted@example.com", [(keeps_selling.sku, 1)])
    number = orders_of(sync(harness, Resource.ORDERS, None)[0])[placed].number
    bare = number.removeprefix("#")
    for quoted in {number, bare, f"#{bare}"}:
        page = harness.adapter.fetch(ResyncTarget(order_numbers=(quoted,)))
        assert [o.platform_id for o in page.orders] == [placed], quoted
        assert page.orders[0].customer.email == "quoted@example.com"
        assert not page.skipped
    unknown = str(10**9 + 7)
    page = harness.adapter.fetch(ResyncTarget(order_numbers=(unknown, f"#{unknown}")))
    assert page.orders == () and page.skipped == ()
    both = harness.adapter.fetch(ResyncTarget(order_ids=(placed,), order_numbers=(bare, unknown)))
    assert [o.platform_id for o in both.orders] == [placed], "one order, read once"


def test_checkout_refuses_a_sold_out_variant_that_does_not_keep_selling(harness: Harness) -> None:
    variants = variants_of(sync(harness, Resource.PRODUCTS, None)[0])
    stops = next(
        (v for v in variants.values() if v.tracked and v.inventory_policy is InventoryPolicy.DENY),
        None,
    )
    if stops is None:
        pytest.skip("the harness store has no DENY variant")
    with pytest.raises(ValueError):
        harness.store.place_order("no@example.com", [(stops.sku, stops.available + 1)])
