"""An order's refunds as Shopify's Admin API shows them (``Order.refunds``, ``Refund``,
``RefundLineItem``), kept apart from the other resolvers.

A refund names the line items it covers with their quantity and subtotal (price times quantity, as
Shopify calculates it) and, apart from them, the money its transactions returned
(``totalRefundedSet``). The two differ when a merchant refunds less than the calculated amount, or
only restocks ("0.00"): Shopify then books the difference as an order adjustment and leaves the
line's subtotal as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connector.sandbox.shopify.records import SOrder, SRefund, gid, iso, money_bag
from connector.sandbox.shopify.store import ShopData

__all__ = [
    "REFUND_FIELDS",
    "REFUND_LINE_FIELDS",
    "RefundLine",
    "order_refunds",
    "order_total_refunded",
    "refund_lines",
]

Resolver = Callable[[ShopData, Any, dict[str, Any]], Any]


class RefundLine:
    """One line item of a refund: entry ``index`` (line id, quantity, subtotal) of an SRefund."""

    __slots__ = ("index", "line_id", "quantity", "refund", "subtotal")

    def __init__(self, refund: SRefund, index: int) -> None:
        self.refund = refund
        self.index = index
        self.line_id, self.quantity, self.subtotal = refund.lines[index]

    @property
    def id(self) -> int:
        return self.refund.id * 1000 + self.index


def refund_lines(refund: SRefund) -> list[RefundLine]:
    return [RefundLine(refund, i) for i in range(len(refund.lines))]


def order_refunds(data: ShopData, order: SOrder, args: dict[str, Any]) -> list[SRefund]:
    """``Order.refunds(first:)``: a plain list (not a connection), oldest first."""
    refunds = order.refunds or []
    first = args.get("first")
    return refunds if first is None else refunds[: max(0, first)]


def order_total_refunded(data: ShopData, order: SOrder, args: dict[str, Any]) -> dict[str, Any]:
    """``Order.totalRefundedSet``: the money its refunds returned, together."""
    total = sum((Decimal(r.amount) for r in order.refunds or ()), Decimal(0))
    return money_bag(f"{total:.2f}")


REFUND_FIELDS: dict[str, Resolver] = {
    "id": lambda d, o, a: gid("Refund", o.id),
    "createdAt": lambda d, o, a: iso(o.created_at),
    "updatedAt": lambda d, o, a: iso(o.created_at),
    "note": lambda d, o, a: None,
    # The money its transactions returned; a restock-only refund returns 0.00.
    "totalRefundedSet": lambda d, o, a: money_bag(o.amount),
}

REFUND_LINE_FIELDS: dict[str, Resolver] = {
    "id": lambda d, o, a: gid("RefundLineItem", o.id),
    "lineItem": lambda d, o, a: d.lines[o.line_id],
    # Unshipped units are refunded as cancelled and restocked, as Shopify's admin does.
    "restockType": lambda d, o, a: "CANCEL",
    "restocked": lambda d, o, a: True,
    "priceSet": lambda d, o, a: money_bag(d.lines[o.line_id].price),
    # Price times quantity, whatever money moved (see the module's docstring).
    "subtotalSet": lambda d, o, a: money_bag(o.subtotal),
    "totalTaxSet": lambda d, o, a: money_bag("0.00"),
}
