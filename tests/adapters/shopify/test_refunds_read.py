"""``OrderLine.refunded`` from Shopify's refunds: the money that moved for a line, never a price.

A refund line item's subtotal is the line's calculated value even when the merchant returned less
or nothing (a restock only); the refund's ``totalRefundedSet`` is what moved. Only orders where
money was refunded have their refunds read (``OrderRefunds``).
"""

from __future__ import annotations

from decimal import Decimal

from connector.model import Money, Order, OrderLine
from connector.platform import Resource, ResyncTarget
from tests.adapters.shopify.conftest import Rig, make_rig


def _two_skus(rig: Rig) -> list[tuple[str, Decimal]]:
    variants = [v for v in rig.store.data.variants.values() if v.policy == "CONTINUE"]
    return [(v.sku, Decimal(v.price)) for v in variants[:2]]


def _read(rig: Rig, order_id: str) -> Order:
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    return order


def _line(order: Order, sku: str) -> OrderLine:
    return next(line for line in order.lines if line.sku == sku)


def _refund_reads(rig: Rig) -> int:
    return sum(1 for e in rig.store.log.entries() if e.operation == "OrderRefunds")


def test_a_refunded_line_carries_the_money_returned_and_a_restocked_one_zero(rig: Rig) -> None:
    (paid, price), (restocked, _) = _two_skus(rig)
    order_id = rig.store.place_order("rae@example.com", [(paid, 2), (restocked, 1)])
    assert all(line.refunded is None for line in _read(rig, order_id).lines)

    rig.store.refund_order_line(order_id, paid, 2)  # the admin's suggestion: the units' price
    rig.store.refund_order_line(order_id, restocked, 1, amount="0.00")
    order = _read(rig, order_id)
    assert _line(order, paid).refunded == Money(price * 2, "USD")
    # Its refund line item still says the line's price; no money moved, so 0, never the price.
    assert _line(order, restocked).refunded == Money(Decimal("0.00"), "USD")


def test_less_money_than_the_lines_value_is_shared_out_never_more(rig: Rig) -> None:
    (first, price_a), (second, price_b) = _two_skus(rig)
    order_id = rig.store.place_order("rae@example.com", [(first, 1), (second, 1)])
    rig.store.refund_order_line(order_id, first, 1, amount="1.00")
    rig.store.refund_order_line(order_id, second, 1, amount=f"{price_b + 5:.2f}")  # + shipping
    order = _read(rig, order_id)
    assert _line(order, first).refunded == Money(Decimal("1.00"), "USD")
    assert _line(order, second).refunded == Money(price_b, "USD")
    assert price_a > 1


def test_an_order_refunded_without_money_states_none_and_costs_no_refund_read(rig: Rig) -> None:
    (sku, _), _ = _two_skus(rig)
    order_id = rig.store.place_order("rae@example.com", [(sku, 2)])
    rig.store.refund_order_line(order_id, sku, 1, amount="0.00")
    assert _line(_read(rig, order_id), sku).refunded is None
    pages, _ = rig.sync(Resource.ORDERS, None)
    assert any(o.platform_id == order_id for p in pages for o in p.orders)
    assert _refund_reads(rig) == 0, "no order had money refunded: no refunds read"


def test_incremental_and_bulk_reads_carry_the_refunds_too() -> None:
    for bulk in (False, True):
        rig = make_rig(bulk_threshold=10) if bulk else make_rig()
        try:
            (sku, price), _ = _two_skus(rig)
            order_id = rig.store.place_order("rae@example.com", [(sku, 3)])
            rig.store.refund_order_line(order_id, sku, 1)
            pages, _ = rig.sync(Resource.ORDERS, None)
            [order] = [o for p in pages for o in p.orders if o.platform_id == order_id]
            assert _line(order, sku).refunded == Money(price, "USD"), f"bulk: {bulk}"
            assert any(e.operation == "BulkRun" for e in rig.store.log.entries()) == bulk
        finally:
            rig.adapter.close()
            rig.store.stop()


def test_refunds_that_do_not_fit_are_passed_over_not_told() -> None:
    from adapters.shopify.mapping import refunded_per_line

    line = {"lineItem": {"id": "L1"}, "subtotalSet": {"shopMoney": {"amount": "10.00"}}}
    odd = [
        {
            "totalRefundedSet": {"shopMoney": {"amount": "NaN"}},
            "refundLineItems": {"nodes": [line]},
        },
        {"totalRefundedSet": None, "refundLineItems": {"nodes": [line]}},
        {"totalRefundedSet": {"shopMoney": {"amount": "4"}}, "refundLineItems": None},
        "junk",
    ]
    assert refunded_per_line(odd) == {}
    assert refunded_per_line(None) == {}
    three = {"totalRefundedSet": {"shopMoney": {"amount": "10.00"}}}
    items = [
        {"lineItem": {"id": f"L{i}"}, "subtotalSet": {"shopMoney": {"amount": "10.00"}}}
        for i in range(3)
    ]
    # 10.00 returned for three lines worth 10.00 each: 3.33 each, rounded down, never 10.00.
    assert refunded_per_line([{**three, "refundLineItems": {"nodes": items}}]) == {
        "L0": Decimal("3.33"),
        "L1": Decimal("3.33"),
        "L2": Decimal("3.33"),
    }
