"""The adapter against the WooCommerce sandbox: request budgets, derived fields, check, webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.model import ChangeKind, InventoryPolicy, StorefrontChange, Variant, WriteStatus
from connector.platform import Resource, ResyncTarget
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from connector.sandbox.woocommerce.refunds import create_refund
from connector.settings import Secret
from tests.contract.harness_woocommerce import settings_for

SPEC = SeedSpec(seed=9, products=25, variants_per_product=(1, 3), orders=20)


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(SPEC, clock=clock) as running:
        # Seeding ends with changes in the store's current second; rows read during their own
        # second are compared again on the next read (test_wc_same_second.py). Let it pass.
        running.advance_clock(timedelta(seconds=5))
        yield running


@pytest.fixture
def adapter(store: WooCommerceSandbox) -> Iterator[WooCommerceAdapter]:
    made = WooCommerceAdapter(settings_for(store), clock=store.clock, sleep=lambda _s: None)
    yield made
    made.close()


def sync(adapter: WooCommerceAdapter, cursors: dict[Resource, str | None]) -> list[Variant]:
    variants: list[Variant] = []
    for resource in (Resource.PRODUCTS, Resource.ORDERS):
        for page in adapter.read_changes(resource, cursors.get(resource)):
            variants += page.variants
            if page.cursor is not None:
                cursors[resource] = page.cursor
    return variants


def continue_selling(variant: Variant) -> StorefrontChange:
    return StorefrontChange(
        "woo",
        ChangeKind.INVENTORY_POLICY,
        variant.product_id,
        variant.platform_id,
        policy=InventoryPolicy.CONTINUE,
    )


def lists(store: WooCommerceSandbox) -> list[str]:
    return [e.operation for e in store.log.entries() if e.method == "GET"]


def test_a_cycle_without_change_costs_two_list_requests(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    cursors: dict[Resource, str | None] = {}
    assert sync(adapter, cursors)
    store.advance_clock(timedelta(minutes=1))  # still inside the overlap window
    store.log.clear()
    assert sync(adapter, cursors) == []
    assert lists(store) == ["GET products", "GET orders"]


def test_a_changed_variable_product_costs_one_more_request(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    cursors: dict[Resource, str | None] = {}
    variants = sync(adapter, cursors)
    variation = next(v for v in variants if v.platform_id != v.product_id and v.tracked)
    store.advance_clock(timedelta(minutes=10))
    store.receive_stock(variation.sku, 5)
    store.log.clear()
    changed = sync(adapter, cursors)
    assert len(lists(store)) == 3
    after = next(v for v in changed if v.platform_id == variation.platform_id)
    assert after.available == variation.available + 5


def test_same_second_orders_are_all_read_once(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    cursors: dict[Resource, str | None] = {}
    sync(adapter, cursors)
    store.advance_clock(timedelta(minutes=10))
    sku = store.state()["products"][0]["sku"] or store.state()["variations"][0]["sku"]
    placed = {
        store.place_order(f"c{i}@example.com", [(sku, 1)], checkout=False) for i in range(130)
    }
    seen: list[str] = []
    for page in adapter.read_changes(Resource.ORDERS, cursors[Resource.ORDERS]):
        seen += [o.platform_id for o in page.orders]
    assert set(seen) == placed and len(seen) == len(placed)


def test_written_stock_status_is_never_relied_on(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    variants = sync(adapter, {})
    variant = next(v for v in variants if v.platform_id == v.product_id and not v.tracked)
    [result] = adapter.apply_storefront([continue_selling(variant)])
    assert result.status is WriteStatus.DONE
    row = next(p for p in store.state()["products"] if str(p["id"]) == variant.product_id)
    # We asked for stock management plus backorders; WooCommerce derived the status itself.
    assert row["manage_stock"] is True and row["backorders"] == "notify"
    assert row["stock_status"] == "onbackorder"
    writes = [e for e in store.log.entries() if e.method == "POST"]
    assert writes and all("stock_status" not in e.operation for e in writes)


def test_a_write_woocommerce_ignores_is_reported_as_a_conflict(clock: FrozenClock) -> None:
    with WooCommerceSandbox(SPEC, clock=clock, manage_stock_option=False) as off:
        adapter = WooCommerceAdapter(settings_for(off), sleep=lambda _s: None)
        variant = next(v for v in sync(adapter, {}) if v.platform_id == v.product_id)
        [result] = adapter.apply_storefront([continue_selling(variant)])
        assert result.status is WriteStatus.CONFLICT
        report = adapter.check()
        assert not report.ok and report.details["manage_stock"] == "no"
        assert any("stock management is off" in p for p in report.problems)


def test_check_reports_key_permission_version_and_preorders(clock: FrozenClock) -> None:
    with WooCommerceSandbox(clock=clock, preorders_plugin=True) as store:
        good = WooCommerceAdapter(settings_for(store), sleep=lambda _s: None).check()
        assert good.ok and good.granted == ("read", "write")
        assert good.details["version"] == "7.9.0" and good.details["preorders_extension"] == "yes"
        store.add_key("ck_read", "cs_read", "read")
        read_only = replace(
            settings_for(store), consumer_key=Secret("ck_read"), consumer_secret=Secret("cs_read")
        )
        report = WooCommerceAdapter(read_only, sleep=lambda _s: None).check()
        assert not report.ok and report.missing == ("write",)


def test_deleted_products_come_back_as_deleted_ids(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    variants = sync(adapter, {})
    product_id = variants[0].product_id
    adapter.client.request("DELETE", f"products/{product_id}")
    page = adapter.fetch(ResyncTarget(product_ids=(product_id, "987654")))
    assert set(page.deleted_product_ids) == {product_id, "987654"}


def test_disabled_webhooks_are_re_enabled(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    url = "http://127.0.0.1:9/unreachable"
    assert len(adapter.ensure_webhooks(url)) == 4
    assert adapter.ensure_webhooks(url) == []
    order_id = store.state()["orders"][0]["id"]
    for _ in range(7):  # every delivery fails: WooCommerce disables the webhook at the 7th
        store.set_order_status(str(order_id), "on-hold")
        store.set_order_status(str(order_id), "processing")
        store.deliver_webhooks()
    disabled = [h for h in store.state()["webhooks"] if h["status"] == "disabled"]
    assert disabled
    repaired = adapter.ensure_webhooks(url)
    assert len(repaired) == len(disabled) and all("re-enabled" in r for r in repaired)
    assert all(h["status"] == "active" for h in store.state()["webhooks"])


def test_a_resync_by_sku_finds_variations_and_simple_products(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    state = store.state()
    variation = state["variations"][0]
    simple = next(p for p in state["products"] if p["type"] == "simple")
    page = adapter.fetch(ResyncTarget(skus=(variation["sku"], simple["sku"], "NO-SUCH-SKU")))
    found = {v.sku: v for v in page.variants}
    assert found[variation["sku"]].platform_id == str(variation["id"])
    assert found[variation["sku"]].product_id == str(variation["parent_id"])
    assert found[simple["sku"]].platform_id == str(simple["id"])
    assert {p.platform_id for p in page.products} == {
        str(variation["parent_id"]),
        str(simple["id"]),
    }
    assert page.deleted_product_ids == ()


def test_refunded_units_read_back_as_cancelled_with_one_request_per_refunded_order(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    cursors: dict[Resource, str | None] = {}
    sync(adapter, cursors)
    state = store.state()
    target = next(o for o in state["orders"] if o["status"] == "processing")
    line = target["line_items"][0]
    store.advance_clock(timedelta(minutes=1))
    with store.lock:
        order = store.orders.get(int(target["id"]))
        create_refund(
            store.orders, order, {"amount": "0", "line_items": [{"id": line["id"], "quantity": 1}]}
        )
    store.log.clear()
    orders = [
        o
        for page in adapter.read_changes(Resource.ORDERS, cursors.get(Resource.ORDERS))
        for o in page.orders
    ]
    [refunded] = [o for o in orders if o.platform_id == str(target["id"])]
    by_id = {ln.platform_id: ln for ln in refunded.lines}
    assert by_id[str(line["id"])].cancelled == 1
    assert by_id[str(line["id"])].open_quantity == line["quantity"] - 1
    assert all(ln.cancelled == 0 for key, ln in by_id.items() if key != str(line["id"]))
    refund_reads = [op for op in lists(store) if op.endswith("refunds")]
    assert len(refund_reads) == 1


def test_a_status_move_costs_one_note_post_per_order_and_each_move_is_told(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    from connector.model_status import OrderStatusMove

    sku = next(
        str(v["sku"])
        for v in [*store.state()["products"], *store.state()["variations"]]
        if v.get("sku") and v.get("manage_stock") is True
    )
    orders = [store.place_order(f"c{n}@example.com", [(sku, 1)], checkout=False) for n in range(3)]
    hold = [OrderStatusMove("woo", order, True, ((f"{order}-1", 1),)) for order in orders]
    store.log.clear()
    results = adapter.move_order_statuses(hold)
    assert [r.status for r in results] == [WriteStatus.DONE] * 3
    asked = [(e.method, e.operation) for e in store.log.entries()]
    # Read the orders, move them in one batch, one note each: no read of the notes before.
    assert [m for m, _ in asked].count("POST") == 4
    assert [m for m, _ in asked].count("GET") == 1

    # Released, then held again: the second hold is told as the first was.
    adapter.move_order_statuses([OrderStatusMove("woo", orders[0], False)])
    adapter.move_order_statuses(hold[:1])
    notes = [n["note"] for n in store.state()["notes"].get(orders[0], [])]
    assert sum(n.startswith("Put on hold by the backorder connector") for n in notes) == 2
    assert sum(n.startswith("Back to Processing") for n in notes) == 1
