"""Every real WooCommerce payload we hold parses into the common model."""

from __future__ import annotations

from decimal import Decimal

from adapters.woocommerce.mapping import map_order, map_product, map_variation, refunded_units
from connector.errors import PayloadError
from connector.model import InventoryPolicy, OrderStatus
from tests.adapters.woocommerce.wc_fixtures import bodies, kind, objects, real


def test_every_product_variation_and_order_payload_parses() -> None:
    counts = {"order": 0, "simple": 0, "variable": 0, "variation": 0}
    for name, body in bodies():
        for row in objects(body):
            what = kind(row)
            if what == "order":
                order = map_order("s", row)
                assert order.platform_id == str(row["id"]), name
                assert len(order.lines) == len(row["line_items"]), name
            elif what in ("simple", "variable"):
                product = map_product("s", row)
                assert product.platform_id == str(row["id"]), name
                if what == "simple":
                    variant = map_variation("s", row, row, "EUR")
                    assert variant.product_id == variant.platform_id, name
            elif what == "variation":
                variant = map_variation("s", row, {"id": 15}, "EUR")
                assert variant.product_id == "15", name  # the parent comes from the URL
            else:
                continue
            counts[what] += 1
    assert counts["order"] >= 30 and counts["simple"] >= 40, counts
    assert counts["variable"] >= 5 and counts["variation"] >= 20, counts


def test_backorders_map_to_the_inventory_policy() -> None:
    by_sku = {}
    for row in real("products_list_orderby_modified_desc.json")["body"]:
        if row["type"] == "simple":
            by_sku[row["sku"]] = map_variation("s", row, row, "EUR")
    assert by_sku["WR-NOTIFY-1"].inventory_policy is InventoryPolicy.CONTINUE
    assert by_sku["WR-YES-1"].inventory_policy is InventoryPolicy.CONTINUE
    assert by_sku["WR-NO-0"].inventory_policy is InventoryPolicy.DENY
    unmanaged = by_sku["WR-UNMANAGED-BO"]
    assert unmanaged.tracked is False and unmanaged.available == 0


def test_parent_managed_variations_report_the_parents_stock() -> None:
    rows = real("variations_list_hoodie_after_orders.json")["body"]
    variants = [map_variation("s", row, {"id": 19}, "EUR") for row in rows]
    assert {v.product_id for v in variants} == {"19"}
    assert all(v.tracked and v.available == -2 for v in variants)
    assert {v.stock_pool for v in variants} == {"19"}  # one count, the parent's


def test_backordered_line_meta_is_the_checkout_shortfall_and_rest_orders_have_none() -> None:
    orders = {o["id"]: map_order("s", o) for o in real("orders_list_modified_after.json")["body"]}
    lamp = orders[30].lines[0]
    assert lamp.sku == "WR-LAMP-2" and lamp.quantity == 5
    assert lamp.backordered_at_order == 3
    assert orders[30].lines[1].backordered_at_order is None
    rest = map_order("s", real("order_get_notify_setpaid.json")["body"])
    assert all(line.backordered_at_order is None for line in rest.lines)


def test_order_customer_money_and_status() -> None:
    order = map_order("s", real("order_get_mixed.json")["body"])
    assert order.status is OrderStatus.OPEN
    assert order.customer.email == "bea.backorder@example.test"
    assert order.customer.name == "Bea Backorder"
    assert order.lines[1].price.amount == Decimal("15") and order.currency == "EUR"
    assert order.lines[1].variant_id == "16"  # the variation, not the parent


def test_statuses_that_hold_no_stock_are_pending_or_cancelled() -> None:
    body = real("order_get_mixed.json")["body"]
    expected = {
        "pending": OrderStatus.PENDING,
        "checkout-draft": OrderStatus.PENDING,
        "failed": OrderStatus.PENDING,
        "cancelled": OrderStatus.CANCELLED,
        "refunded": OrderStatus.CANCELLED,
        "trash": OrderStatus.CANCELLED,
        "completed": OrderStatus.CLOSED,
        "on-hold": OrderStatus.OPEN,
        "pre-ordered": OrderStatus.OPEN,
    }
    for status, mapped in expected.items():
        order = map_order("s", {**body, "status": status})
        assert order.status is mapped, status
    assert all(line.preorder for line in map_order("s", {**body, "status": "pre-ordered"}).lines)


def test_locale_from_order_meta() -> None:
    body = real("order_get_mixed.json")["body"]
    with_meta = {**body, "meta_data": [{"id": 1, "key": "wpml_language", "value": "de"}]}
    assert map_order("s", with_meta).customer_locale == "de"
    assert map_order("s", body).locale is None


def test_payloads_that_do_not_fit_raise_payload_error() -> None:
    body = real("order_get_mixed.json")["body"]
    for broken in (
        {**body, "status": "made-up"},
        {**body, "date_created_gmt": "yesterday"},
        {k: v for k, v in body.items() if k != "id"},
    ):
        try:
            map_order("s", broken)
        except PayloadError:
            continue
        raise AssertionError(f"accepted {broken.get('status')}")


def test_refunded_units_become_cancelled_on_the_line_they_point_at() -> None:
    refund = real("order_refund_create_restock_one_backordered_unit.json")["body"]
    assert refunded_units([refund]) == {"11": 1}  # its _refunded_item_id, quantity -1
    assert refunded_units([refund, refund, {"line_items": [{"quantity": -2}]}, "junk"]) == {"11": 2}
    order = next(
        row
        for row in real("orders_list_product_notify.json")["body"]
        if len(row["line_items"]) >= 1
    )
    line_id = str(order["line_items"][0]["id"])
    quantity = int(order["line_items"][0]["quantity"])
    mapped = map_order("s", order, {line_id: 1, "999999": 4})
    line = next(ln for ln in mapped.lines if ln.platform_id == line_id)
    assert line.cancelled == 1 and line.quantity == quantity
    over = map_order("s", order, {line_id: quantity + 5})
    assert next(ln for ln in over.lines if ln.platform_id == line_id).cancelled == quantity
    assert all(ln.cancelled == 0 for ln in map_order("s", order).lines)


def test_a_real_product_reads_its_rest_type_and_its_categories_by_name_slug_and_id() -> None:
    [row] = [
        r for r in real("products_list_orderby_modified_desc.json")["body"] if r["type"] == "simple"
    ][:1]
    product = map_product("s", row)
    # A policy's product_types match WooCommerce's own type; its collections the categories.
    assert product.product_type == "simple"
    assert set(product.collections) == {"Uncategorized", "uncategorized", "15"}
    assert product.vendor == ""  # WooCommerce has no vendor (connector check says so)
