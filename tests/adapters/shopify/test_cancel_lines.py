"""Cancelling waiting units on the Shopify sandbox over real HTTP: ``refundCreate`` with restock
CANCEL and the suggested refund's transactions, sent with an ``@idempotent`` key."""

from __future__ import annotations

from decimal import Decimal

from connector.model_cancel import LineCancel, RefundKind
from connector.platform import ResyncTarget
from tests.adapters.shopify.conftest import Rig


def _order(rig: Rig, units: int = 3) -> tuple[str, str, str, Decimal]:
    """A paid order of ``units`` of a selling-on-backorder SKU: (order id, line id, sku, price)."""
    variant = next(v for v in rig.store.data.variants.values() if v.policy == "CONTINUE")
    order_id = rig.store.place_order("kim@example.com", [(variant.sku, units)])
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    line = next(line for line in order.lines if line.sku == variant.sku)
    return order.platform_id, line.platform_id, variant.sku, Decimal(variant.price)


def _store_order(rig: Rig, order_id: str):  # type: ignore[no-untyped-def]
    return rig.store.data.orders[int(order_id.rsplit("/", 1)[1])]


def test_units_are_cancelled_and_refunded_once_per_key(rig: Rig) -> None:
    order_id, line_id, sku, price = _order(rig)
    available = rig.store.data.variants[rig.store.data.by_sku[sku]].available
    request = LineCancel(order_id, ((line_id, 2),), "bc-cancel-s1", "customer cancelled")
    first = rig.adapter.cancel_lines(request)
    again = rig.adapter.cancel_lines(request)  # the answer was lost: the same key again
    assert first.refund == RefundKind.PAID and first.amount == price * 2
    assert again.refund_id == first.refund_id and again.amount == first.amount
    stored = _store_order(rig, order_id)
    [refund] = stored.refunds or []
    assert Decimal(refund.amount) == price * 2
    line = rig.store.data.lines[int(line_id.rsplit("/", 1)[1])]
    assert line.current == 1  # the cancelled units left the order
    assert rig.store.data.variants[rig.store.data.by_sku[sku]].available == available + 2
    # Read back: the line's cancelled units and the money that moved for it.
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    read = next(x for x in order.lines if x.platform_id == line_id)
    assert read.cancelled == 2 and read.refunded is not None and read.refunded.amount == price * 2


def test_a_manual_payment_cancels_the_units_and_leaves_the_money_to_the_owner(rig: Rig) -> None:
    order_id, line_id, _, price = _order(rig)
    _store_order(rig, order_id).gateway = "manual"
    outcome = rig.adapter.cancel_lines(LineCancel(order_id, ((line_id, 3),), "bc-cancel-s2", "x"))
    assert outcome.refund == RefundKind.MANUAL and outcome.owed == price * 3 and outcome.amount == 0
    [refund] = _store_order(rig, order_id).refunds or []
    assert refund.amount == "0.00"


def test_an_unpaid_order_is_cancelled_without_money(rig: Rig) -> None:
    order_id, line_id, _, _ = _order(rig)
    _store_order(rig, order_id).financial = "PENDING"
    outcome = rig.adapter.cancel_lines(LineCancel(order_id, ((line_id, 1),), "bc-cancel-s3", "x"))
    assert outcome.refund == RefundKind.NONE and outcome.amount == 0


def test_the_sandbox_refuses_a_refund_without_an_idempotency_key(rig: Rig) -> None:
    order_id, line_id, _, _ = _order(rig)
    query = (
        "mutation($input: RefundInput!) { refundCreate(input: $input) { refund { id } "
        "userErrors { message } } }"
    )
    given = {
        "orderId": order_id,
        "refundLineItems": [{"lineItemId": line_id, "quantity": 1, "restockType": "CANCEL"}],
    }
    # Shopify since 2026-04: an error at run time, and no refund.
    answer = rig.adapter.client.execute(query, {"input": given}, key="RefundCreate")
    assert answer == {"refundCreate": None}
    assert not _store_order(rig, order_id).refunds
