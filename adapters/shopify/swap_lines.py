"""Swap a waiting line of a Shopify order for another variant (the customer page's swap).

One order edit: ``orderEditBegin`` → ``orderEditAddVariant`` (the alternative, ``allowDuplicates``
false) → ``orderEditSetQuantity`` (the waiting line's calculated line down by the swapped units,
``restock`` true so they go back in stock) → ``orderEditCommit`` (``notifyCustomer`` false: the
connector mails the customer itself; the ``staffNote`` carries the swap's key).

Exactly once: commit takes no idempotency key, so before the edit the swap's marker is written
into the order's note (``orderUpdate``), and every attempt first reads the order back
(``OrderSwapState``): the marker there and a line of the new variant mean the edit was committed
(its answer lost); the marker without that line means it was not, and the edit runs. The marker
does not ride on the commit's ``staffNote``: Shopify documents that only as a note for staff (the
order's timeline), not as the order's ``note``, so it cannot be read back the same way.

Money: the new variant is never dearer, and commit returns no money (Shopify leaves the order
with a balance in the customer's favour). After the edit the difference is refunded with
``refundCreate`` (transactions only, no lines, ``@idempotent`` with the swap's key: a retry answers
the first refund). The payment to refund on is the one Shopify itself suggests
(``suggestedRefund`` for one unit of the new line: the sale and its gateway). A manual gateway
(cash, bank deposit) moves no money: the difference is recorded for the owner to pay back by hand
(``RefundKind.MANUAL``, ``owed``); an unpaid order gets nothing back. An equal price refunds
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.shopify.client import GraphQLClient, refuse_user_errors
from connector.errors import PayloadError
from connector.model_cancel import RefundKind
from connector.model_swap import LineSwap, SwapOutcome

__all__ = ["key_marker", "swap_line"]


def key_marker(key: str) -> str:
    """The text that ties the order edit's staff note to the swap's idempotency key."""
    return f"[bc:{key}]"


def _tail(gid: Any) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def _refused(request: LineSwap, step: str, payload: Mapping[str, Any]) -> None:
    refuse_user_errors(step, request.order_id, payload)


def _done(client: GraphQLClient, request: LineSwap) -> tuple[str | None, str, str | None]:
    """The new line's id when the swap was committed before, the order's currency, and the
    order's note when the swap's marker is not in it yet (None when it is)."""
    order = client.run("OrderSwapState", {"id": request.order_id}).get("order")
    if not isinstance(order, Mapping):
        raise PayloadError(f"order {request.order_id} not found")
    currency = str(order.get("currencyCode") or "")
    note = str(order.get("note") or "")
    if key_marker(request.key) not in note:
        return None, currency, note
    for line in (order.get("lineItems") or {}).get("nodes") or ():
        variant = (line.get("variant") or {}).get("id") if isinstance(line, Mapping) else None
        if variant == request.variant_id and line.get("id") != request.line_id:
            return str(line.get("id")), currency, None
    return None, currency, None  # marked, never committed: the edit runs now


def _mark(client: GraphQLClient, request: LineSwap, note: str) -> None:
    """Write the swap's marker into the order's note before editing (what a retry reads back)."""
    text = f"{note}\n{key_marker(request.key)}" if note else key_marker(request.key)
    updated = client.run("OrderUpdate", {"input": {"id": request.order_id, "note": text}})
    _refused(request, "orderUpdate", updated.get("orderUpdate") or {})


def swap_line(client: GraphQLClient, request: LineSwap) -> SwapOutcome:
    """Swap ``request``'s units once per key (see the module's docstring)."""
    found, currency, unmarked = _done(client, request)
    replayed = found is not None
    if found is None:
        if unmarked is not None:
            _mark(client, request, unmarked)
        begun = client.run("OrderEditBegin", {"id": request.order_id}).get("orderEditBegin") or {}
        _refused(request, "orderEditBegin", begun)
        calculated = begun.get("calculatedOrder") or {}
        # A calculated line carries its order line's number (gid://shopify/CalculatedLineItem/N).
        [waiting] = [
            line
            for line in (calculated.get("lineItems") or {}).get("nodes") or ()
            if _tail(line.get("id")) == _tail(request.line_id)
        ] or [None]
        if waiting is None or int(waiting.get("quantity") or 0) < request.units:
            raise PayloadError(f"order {request.order_id}: line {request.line_id} lacks the units")
        edit = str(calculated.get("id"))
        added = (
            client.run(
                "OrderEditAddVariant",
                {"id": edit, "variantId": request.variant_id, "quantity": request.units},
            ).get("orderEditAddVariant")
            or {}
        )
        _refused(request, "orderEditAddVariant", added)
        reduced = (
            client.run(
                "OrderEditSetQuantity",
                {
                    "id": edit,
                    "lineItemId": waiting["id"],
                    "quantity": int(waiting["quantity"]) - request.units,
                },
            ).get("orderEditSetQuantity")
            or {}
        )
        _refused(request, "orderEditSetQuantity", reduced)
        owed = request.difference * request.units
        note = (
            f"{request.reason}: line {request.line_id} x{request.units} replaced by "
            f"{request.sku}"
            + (f"; to pay back by hand: {owed:.2f}" if owed else "")
            + f" {key_marker(request.key)}"
        )
        committed = client.run("OrderEditCommit", {"id": edit, "staffNote": note})
        _refused(request, "orderEditCommit", committed.get("orderEditCommit") or {})
        found, currency, _ = _done(client, request)
        if found is None:
            raise PayloadError(f"order {request.order_id}: the swap's edit was not kept")
    kind, amount, owed = _refund_difference(client, request, found)
    return SwapOutcome(
        new_line_id=found,
        refund=kind,
        amount=amount,
        currency=currency,
        owed=owed,
        replayed=replayed,
    )


def _money(money_set: Any) -> Decimal:
    money = (money_set or {}).get("shopMoney") or {} if isinstance(money_set, Mapping) else {}
    try:
        return Decimal(str(money.get("amount") or "0"))
    except InvalidOperation:
        return Decimal("0")


def _refund_difference(
    client: GraphQLClient, request: LineSwap, new_line_id: str
) -> tuple[str, Decimal, Decimal]:
    """(refund kind, money returned, money owed by hand) for the swap's price difference."""
    difference = request.difference * request.units
    if difference <= 0:
        return RefundKind.NONE, Decimal("0"), Decimal("0")
    # Shopify's own suggestion names the payment (the sale) and its gateway; one unit of the new
    # line is enough to be asked about, and it still has units after a retry.
    lines = [{"lineItemId": new_line_id, "quantity": 1, "restockType": "NO_RESTOCK"}]
    order = client.run("OrderSuggestedRefund", {"id": request.order_id, "lines": lines})
    suggestion = ((order.get("order") or {}).get("suggestedRefund") or {}).get(
        "suggestedTransactions"
    ) or ()
    paid = [
        s
        for s in suggestion
        if isinstance(s, Mapping) and (s.get("parentTransaction") or {}).get("id")
    ]
    if not paid:
        return RefundKind.NONE, Decimal("0"), Decimal("0")  # nothing was paid: nothing to return
    parent = paid[0]["parentTransaction"]
    if parent.get("manualPaymentGateway"):
        return RefundKind.MANUAL, Decimal("0"), difference  # no gateway: the owner pays by hand
    given = {
        "orderId": request.order_id,
        "note": f"{request.reason} {key_marker(request.key)}",
        "notify": False,  # the connector mails the customer itself, in their language
        "transactions": [
            {
                "orderId": request.order_id,
                "parentId": parent["id"],
                "gateway": str(paid[0].get("gateway") or ""),
                "kind": "REFUND",
                "amount": f"{difference:.2f}",
            }
        ],
    }
    answer = client.run("RefundCreate", {"input": given, "key": request.key})
    payload = answer.get("refundCreate") or {}
    _refused(request, "refundCreate", payload)
    refund = payload.get("refund")
    if not isinstance(refund, Mapping):
        raise PayloadError(f"refundCreate on {request.order_id} answered no refund")
    return RefundKind.PAID, _money(refund.get("totalRefundedSet")), Decimal("0")
