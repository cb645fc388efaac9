"""Cancel waiting units of a WooCommerce order with a refund (``POST /orders/{id}/refunds``).

One refund names each line with the units to cancel (``line_items`` [{id, quantity,
refund_total}]) and restocks them (``api_restock``, WooCommerce's default); the adapter reads
refunds back as cancelled units, so the queue moves on the next sync.

The money: with ``api_refund`` WooCommerce asks the order's payment gateway to return it. A gateway
without refund support (bank transfer, cheque, cash on delivery, ...) makes WooCommerce refuse the
whole refund (HTTP 500 ``woocommerce_rest_cannot_create_order_refund``; ``wc_create_refund``
deletes the refund it started), and then the units are cancelled with a refund of 0.00: the shop
records no money it did not return, the owner is told what to pay back by hand. An unpaid order
(no ``date_paid``) refunds no money at all.

Exactly once: WooCommerce takes no idempotency key, so the key goes into the refund's ``reason``
and each attempt (retries included) first looks for a refund carrying it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.woocommerce.client import WooClient
from connector.errors import PayloadError, PlatformRetryable
from connector.model_cancel import CancelOutcome, LineCancel, RefundKind

__all__ = ["cancel_lines", "key_marker"]

GATEWAY_REFUSED = "woocommerce_rest_cannot_create_order_refund"


def key_marker(key: str) -> str:
    """The text that ties a refund to its idempotency key (in the refund's reason)."""
    return f"[bc:{key}]"


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return Decimal("0")


def _outcome(
    refund: Mapping[str, Any], currency: str, owed: Decimal, replayed: bool
) -> CancelOutcome:
    amount = _money(refund.get("amount"))
    if refund.get("refunded_payment") and amount > 0:
        kind = RefundKind.PAID
    elif owed > 0:
        kind, amount = RefundKind.MANUAL, Decimal("0")
    else:
        kind, amount = RefundKind.NONE, Decimal("0")
    return CancelOutcome(
        refund_id=str(refund.get("id", "")),
        amount=amount,
        currency=currency,
        refund=kind,
        owed=owed if kind == RefundKind.MANUAL else Decimal("0"),
        replayed=replayed,
    )


def _line_items(
    order: Mapping[str, Any], request: LineCancel
) -> tuple[list[dict[str, Any]], Decimal]:
    """The refund's ``line_items`` and their money: each unit at what the customer paid for it
    (the line's total with tax over its quantity, so discounts are honoured)."""
    lines = {
        str(line.get("id")): line
        for line in order.get("line_items") or ()
        if isinstance(line, Mapping)
    }
    items, total = [], Decimal("0")
    override = dict(request.amounts)
    for line_id, units in request.units:
        line = lines.get(line_id)
        if line is None or units <= 0:
            raise PayloadError(f"order {request.order_id} has no line {line_id} to cancel")
        quantity = int(line.get("quantity") or 0)
        if quantity <= 0:
            raise PayloadError(f"order {request.order_id} line {line_id} has no units")
        paid = _money(line.get("total")) + _money(line.get("total_tax"))
        money = (override[line_id] if line_id in override else paid / quantity * units).quantize(
            Decimal("0.01")
        )
        items.append({"id": int(line_id), "quantity": units, "refund_total": f"{money:.2f}"})
        total += money
    return items, total


def cancel_lines(client: WooClient, request: LineCancel) -> CancelOutcome:
    """Cancel ``request``'s units with one refund, at most once per key (see the module's docstring)."""
    marker = key_marker(request.key)
    path = f"orders/{request.order_id}/refunds"

    def attempt() -> CancelOutcome:
        order = client.once("GET", f"orders/{request.order_id}").body
        if not isinstance(order, Mapping):
            raise PayloadError(f"order {request.order_id}: not an order")
        currency = str(order.get("currency") or "USD")
        items, total = _line_items(order, request)
        paid = bool(order.get("date_paid")) and total > 0
        for refund in client.once("GET", path, {"per_page": 100}).body or ():
            if isinstance(refund, Mapping) and marker in str(refund.get("reason") or ""):
                return _outcome(refund, currency, total if paid else Decimal("0"), replayed=True)
        reason = f"{request.reason} {marker}".strip()
        if paid:
            try:
                body = {
                    "amount": f"{total:.2f}",
                    "reason": reason,
                    "line_items": items,
                    "api_refund": True,
                }
                made = client.once("POST", path, body=body).body
                return _outcome(made, currency, total, replayed=False)
            except PlatformRetryable as error:
                if error.details.code != GATEWAY_REFUSED:
                    raise
                # The gateway cannot (or would not) return the money: cancel the units without
                # money below; the owner is told what to pay back.
        zero = [{**item, "refund_total": "0.00"} for item in items]
        body = {"amount": "0.00", "reason": reason, "line_items": zero, "api_refund": False}
        made = client.once("POST", path, body=body).body
        return _outcome(made, currency, total if paid else Decimal("0"), replayed=False)

    return client.retrying(attempt)
