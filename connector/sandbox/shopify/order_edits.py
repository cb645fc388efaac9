"""Refund writes as Shopify makes them: ``Order.suggestedRefund`` and ``refundCreate``.

* ``suggestedRefund(refundLineItems:)`` prices the named units (price times quantity; the sandbox
  has no discounts or taxes) and suggests one refund transaction on the order's payment, its
  parent the sale; none when nothing was paid (``financial`` PENDING) or nothing is left to refund.
* ``refundCreate(input:) @idempotent(key:)``: the key is required since 2026-04 (an error at run
  time without it); a key already used answers the first call's result and changes nothing.
  ``restockType: CANCEL`` removes unfulfilled units from the order (``currentQuantity`` drops),
  puts them back in stock and shrinks the fulfillment orders; ``transactions`` return money up
  to what was paid and not yet refunded. A manual gateway (cash, bank deposit) records the money
  but moves none: the merchant pays back by hand. Shopify sends ``refunds/create``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from connector.sandbox.shopify.records import SOrder, SRefund, gid, money_bag, parse_gid
from connector.sandbox.shopify.store import ShopData

__all__ = ["IDEMPOTENCY_KEY", "refund_create", "suggested_refund"]

IDEMPOTENCY_KEY = "__idempotent_key"
"""Where the GraphQL layer passes a mutation's ``@idempotent(key:)`` among its arguments."""

SALE = 7
"""The order's sale transaction id is ``order id * 10 + SALE``."""


def _paid(data: ShopData, order: SOrder) -> Decimal:
    if order.financial not in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED"):
        return Decimal(0)
    return sum(
        (
            Decimal(data.lines[i].price) * data.lines[i].quantity
            for i in order.line_ids
            if not data.lines[i].added_by_edit
        ),
        Decimal(0),
    )


def _refundable(data: ShopData, order: SOrder) -> Decimal:
    refunded = sum((Decimal(r.amount) for r in order.refunds or ()), Decimal(0))
    return max(Decimal(0), _paid(data, order) - refunded)


def _sale(order: SOrder, amount: Decimal) -> dict[str, Any]:
    return {
        "id": gid("OrderTransaction", order.id * 10 + SALE),
        "gateway": order.gateway,
        "kind": "SALE",
        "status": "SUCCESS",
        "amountSet": money_bag(amount),
        "manualPaymentGateway": order.gateway == "manual",
    }


def _named_lines(
    data: ShopData, order: SOrder, items: list[dict[str, Any]]
) -> tuple[list[tuple[Any, int, str]], list[dict[str, Any]]]:
    """(line, quantity, restock type) per item, and userErrors for those that do not fit."""
    found, errors = [], []
    for index, item in enumerate(items):
        ref = parse_gid(item.get("lineItemId") or "", "LineItem")
        line = data.lines.get(ref[1]) if ref else None
        quantity = int(item.get("quantity") or 0)
        field = ["refundLineItems", str(index)]
        if line is None or line.id not in order.line_ids:
            errors.append({"field": [*field, "lineItemId"], "message": "Line item does not exist"})
        elif quantity <= 0 or quantity > line.current:
            errors.append(
                {
                    "field": [*field, "quantity"],
                    "message": "Quantity cannot refund more items than were purchased",
                }
            )
        elif item.get("restockType") == "CANCEL" and quantity > line.current - line.fulfilled:
            errors.append(
                {"field": [*field, "restockType"], "message": "Cannot cancel fulfilled line items"}
            )
        else:
            found.append((line, quantity, str(item.get("restockType") or "NO_RESTOCK")))
    return found, errors


def suggested_refund(data: ShopData, order: SOrder, args: dict[str, Any]) -> dict[str, Any]:
    """``Order.suggestedRefund``: what refunding the named units would return, and on what."""
    lines, _ = _named_lines(data, order, list(args.get("refundLineItems") or ()))
    subtotal = sum((Decimal(line.price) * qty for line, qty, _ in lines), Decimal(0))
    left = _refundable(data, order)
    amount = min(subtotal, left)
    transactions = []
    if amount > 0:
        transactions.append(
            {
                "gateway": order.gateway,
                "kind": "SUGGESTED_REFUND",
                "amountSet": money_bag(amount),
                "maximumRefundableSet": money_bag(left),
                "parentTransaction": _sale(order, _paid(data, order)),
            }
        )
    return {
        "amountSet": money_bag(amount),
        "subtotalSet": money_bag(subtotal),
        "suggestedTransactions": transactions,
    }


def _amount(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def refund_create(data: ShopData, args: dict[str, Any]) -> dict[str, Any]:
    """``refundCreate``: see the module's docstring."""
    key = args.get(IDEMPOTENCY_KEY)
    if not isinstance(key, str) or not key.strip():
        raise GraphQLError("The @idempotent directive is required for this mutation.")
    if key in data.idempotent:
        return dict(data.idempotent[key])
    given = args["input"]
    ref = parse_gid(given.get("orderId") or "", "Order")
    order = data.orders.get(ref[1]) if ref else None
    if order is None:
        return {
            "refund": None,
            "order": None,
            "userErrors": [{"field": ["orderId"], "message": "Order does not exist"}],
        }
    lines, errors = _named_lines(data, order, list(given.get("refundLineItems") or ()))
    money = Decimal(0)
    sale = gid("OrderTransaction", order.id * 10 + SALE)
    for index, txn in enumerate(given.get("transactions") or ()):
        amount = _amount(txn.get("amount"))
        if (
            amount is None
            or amount <= 0
            or txn.get("kind") != "REFUND"
            or txn.get("parentId") != sale
        ):
            errors.append({"field": ["transactions", str(index)], "message": "Invalid transaction"})
        else:
            money += amount
    if money > _refundable(data, order):
        errors.append(
            {"field": ["transactions"], "message": "Refund amount exceeds the refundable amount"}
        )
    if errors:
        return {"refund": None, "order": order, "userErrors": errors}
    entries = []
    for line, quantity, restock in lines:
        if restock == "CANCEL":
            data._move_stock(data.variants[line.variant_id], quantity, committed=-quantity)
            line.current -= quantity
            data._resize_line_on_fulfillment_orders(order, line, -quantity)
        entries.append((line.id, quantity, f"{Decimal(line.price) * quantity:.2f}"))
    refund = SRefund(data.next_id(), order.id, f"{money:.2f}", entries, data.clock())
    order.refunds = [*(order.refunds or ()), refund]
    if money > 0:
        order.financial = "REFUNDED" if _refundable(data, order) == 0 else "PARTIALLY_REFUNDED"
    data.touch_order(order)
    data.emit("refunds/create", {"refund": refund.id, "refund_order": order.id})
    answer = {"refund": refund, "order": order, "userErrors": []}
    data.idempotent[key] = answer
    return dict(answer)
