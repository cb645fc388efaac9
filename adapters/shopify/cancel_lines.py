"""Cancel waiting units of a Shopify order with a refund: ``refundCreate`` with restock CANCEL.

Why ``refundCreate`` and not an order edit: ``orderEditBegin`` / ``orderEditSetQuantity`` /
``orderEditCommit`` can drop unfulfilled units, but commit returns no money (the order is left with
a balance in the customer's favour that still needs a refund) and takes no idempotency key, so a
commit whose answer was lost cannot be retried safely. ``refundCreate`` does both in one call:
``restockType: CANCEL`` removes unfulfilled units from the order (``currentQuantity`` drops, the
stock comes back), its ``transactions`` return the money, and since 2026-04 it requires
``@idempotent(key:)``: the same key answers the first result instead of refunding twice.

The money comes from ``Order.suggestedRefund`` for the same units (what Shopify's admin offers:
the paid price, on the payment's own gateway). A manual gateway (cash, bank deposit) moves no
money: those transactions are left out, the units are still cancelled, and the owner pays back by
hand. An unpaid order gets no transactions at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.shopify.client import GraphQLClient, refuse_user_errors
from connector.errors import PayloadError
from connector.model_cancel import CancelOutcome, LineCancel, RefundKind

__all__ = ["cancel_lines"]


def _amount(money_set: Any) -> tuple[Decimal, str]:
    money = (money_set or {}).get("shopMoney") or {} if isinstance(money_set, Mapping) else {}
    try:
        amount = Decimal(str(money.get("amount") or "0"))
    except InvalidOperation:
        amount = Decimal("0")
    return amount, str(money.get("currencyCode") or "")


def cancel_lines(client: GraphQLClient, request: LineCancel) -> CancelOutcome:
    """Cancel and refund ``request``'s units once per key (see the module's docstring)."""
    lines = [
        {"lineItemId": line_id, "quantity": units, "restockType": "CANCEL"}
        for line_id, units in request.units
        if units > 0
    ]
    found = client.run("OrderSuggestedRefund", {"id": request.order_id, "lines": lines})
    order = found.get("order")
    if not isinstance(order, Mapping):
        raise PayloadError(f"order {request.order_id} not found")
    currency = str(order.get("currencyCode") or "USD")
    suggestion = order.get("suggestedRefund") or {}
    transactions, owed = [], Decimal("0")
    for suggested in suggestion.get("suggestedTransactions") or ():
        parent = suggested.get("parentTransaction") or {}
        amount, _ = _amount(suggested.get("amountSet"))
        if amount <= 0:
            continue
        if parent.get("manualPaymentGateway") or not parent.get("id"):
            owed += amount  # no gateway to return it: the owner pays it back by hand
            continue
        transactions.append(
            {
                "orderId": request.order_id,
                "parentId": parent["id"],
                "gateway": str(suggested.get("gateway") or ""),
                "kind": "REFUND",
                "amount": f"{amount:.2f}",
            }
        )
    given = {
        "orderId": request.order_id,
        "note": request.reason,
        "notify": False,  # the connector mails the customer itself, in their language
        "refundLineItems": lines,
        "transactions": transactions,
    }
    answer = client.run("RefundCreate", {"input": given, "key": request.key})
    payload = answer.get("refundCreate") or {}
    refuse_user_errors("refundCreate", request.order_id, payload)
    refund = payload.get("refund")
    if not isinstance(refund, Mapping):
        raise PayloadError(f"refundCreate on {request.order_id} answered no refund")
    returned, returned_currency = _amount(refund.get("totalRefundedSet"))
    if returned > 0:
        kind = RefundKind.PAID
    elif owed > 0:
        kind = RefundKind.MANUAL
    else:
        kind = RefundKind.NONE
    return CancelOutcome(
        refund_id=str(refund.get("id") or ""),
        amount=returned,
        currency=returned_currency or currency,
        refund=kind,
        owed=owed if kind == RefundKind.MANUAL else Decimal("0"),
    )
