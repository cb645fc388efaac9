"""An order's money as Shopify's Admin API shows it: transactions, capture, invoices.

What the sandbox teaches (each with its test in ``tests/sandbox/shopify/test_payments_sandbox.py``):

- An order paid by card under manual capture carries an ``AUTHORIZATION`` transaction (status
  ``SUCCESS``) and ``displayFinancialStatus`` ``AUTHORIZED``. Shopify Payments authorizations run
  7 days; ``authorizationExpiresAt`` is filled only on Shopify Plus ("available only to stores on
  a Shopify Plus plan", the 2026-10 schema), so ``expires_visible=False`` models the other plans.
- ``orderCapture`` takes ``amount`` up to what is still capturable. A multi-capturable (Plus)
  authorization stays open for more captures unless ``finalCapture``; any other is captured once,
  and what was not captured is released. After the expiry a capture is refused (a userError) and
  the order shows ``EXPIRED``.
- ``orderCapture`` has no idempotency key in 2026-10 (no ``@idempotent`` support in its
  description): a caller that lost the answer must read the transactions to learn whether it ran.
- ``orderInvoiceSend`` mails the customer Shopify's invoice (a payment link); the sandbox keeps a
  record of each send instead of mailing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.sandbox.shopify.order_money import line_tax, money_terms, shipping_total
from connector.sandbox.shopify.records import SOrder, gid, iso, money_bag, parse_gid
from connector.sandbox.shopify.store import ShopData

__all__ = [
    "AUTHORIZATION_DAYS",
    "ORDER_PAYMENT_FIELDS",
    "PAYMENT_MUTATIONS",
    "PAYMENT_TYPES",
    "SInvoice",
    "STransaction",
    "authorize",
    "payments_of",
]

AUTHORIZATION_DAYS = 7
"""Shopify Payments' authorization period (help.shopify.com, "Payment authorization")."""

Resolver = Callable[[ShopData, Any, dict[str, Any]], Any]


class STransaction:
    """One ``OrderTransaction``: an authorization or a capture of one."""

    __slots__ = (
        "amount",
        "at",
        "expires_at",
        "expires_visible",
        "id",
        "kind",
        "multi",
        "order_id",
        "parent",
        "status",
        "voided",
    )

    def __init__(  # noqa: PLR0917 - a compact record
        self,
        id: int,
        order_id: int,
        kind: str,
        amount: Decimal,
        at: datetime,
        parent: STransaction | None = None,
    ) -> None:
        self.id = id
        self.order_id = order_id
        self.kind = kind
        self.amount = amount
        self.at = at
        self.parent = parent
        self.status = "SUCCESS"
        self.expires_at: datetime | None = None
        self.expires_visible = True
        self.multi = False
        self.voided = False
        """For an authorization: what was not captured was released (a single capture ran)."""


class SInvoice:
    """One ``orderInvoiceSend``: who it went to and when."""

    __slots__ = ("at", "order_id", "to")

    def __init__(self, order_id: int, to: str, at: datetime) -> None:
        self.order_id, self.to, self.at = order_id, to, at


class OrderPayments:
    """The transactions and invoices of one order (kept on ``SOrder.payments``)."""

    __slots__ = ("invoices", "transactions")

    def __init__(self) -> None:
        self.transactions: list[STransaction] = []
        self.invoices: list[SInvoice] = []


def payments_of(order: SOrder) -> OrderPayments:
    if order.payments is None:
        order.payments = OrderPayments()
    payments: OrderPayments = order.payments
    return payments


def order_total(data: ShopData, order: SOrder) -> Decimal:
    """What the customer pays: the lines, their taxes unless the prices include them, shipping."""
    terms = money_terms(data, order)
    lines = [data.lines[i] for i in order.line_ids]
    total = sum((Decimal(line.price) * line.quantity for line in lines), Decimal(0))
    if not terms.taxes_included:
        total += sum((line_tax(data, line) for line in lines), Decimal(0))
    return total + shipping_total(data, order)


def authorize(
    data: ShopData,
    order: SOrder,
    *,
    amount: Decimal | None = None,
    days: int = AUTHORIZATION_DAYS,
    multi_capturable: bool = False,
    expires_visible: bool = True,
) -> STransaction:
    """A card authorization for ``amount`` (default: the order's total), as a checkout makes it."""
    auth = STransaction(
        data.next_id(),
        order.id,
        "AUTHORIZATION",
        amount or order_total(data, order),
        order.created_at,
    )
    auth.expires_at = order.created_at + timedelta(days=days)
    auth.expires_visible = expires_visible
    auth.multi = multi_capturable
    payments_of(order).transactions.append(auth)
    order.financial = "AUTHORIZED"
    return auth


def captured(order: SOrder, auth: STransaction) -> Decimal:
    return sum(
        (
            t.amount
            for t in payments_of(order).transactions
            if t.parent is auth and t.kind == "CAPTURE" and t.status == "SUCCESS"
        ),
        Decimal(0),
    )


def capturable(data: ShopData, order: SOrder, auth: STransaction) -> Decimal:
    """What can still be captured from ``auth`` now (0 once expired or released)."""
    if auth.kind != "AUTHORIZATION" or auth.status != "SUCCESS" or auth.voided:
        return Decimal(0)
    if auth.expires_at is not None and data.clock() >= auth.expires_at:
        return Decimal(0)
    return max(Decimal(0), auth.amount - captured(order, auth))


def _authorizations(order: SOrder) -> list[STransaction]:
    return [t for t in payments_of(order).transactions if t.kind == "AUTHORIZATION"]


def _financial(data: ShopData, order: SOrder, args: dict[str, Any]) -> str:
    """``displayFinancialStatus``, with an authorization that ran out shown as EXPIRED."""
    auths = _authorizations(order) if order.payments is not None else []
    if order.financial == "AUTHORIZED" and auths:
        now = data.clock()
        if all(a.expires_at is not None and now >= a.expires_at for a in auths):
            return "EXPIRED"
    return str(order.financial)


def _transactions(data: ShopData, order: SOrder, args: dict[str, Any]) -> list[STransaction]:
    found = list(payments_of(order).transactions) if order.payments is not None else []
    if args.get("capturable"):
        found = [t for t in found if capturable(data, order, t) > 0]
    first = args.get("first")
    return found if first is None else found[: max(0, first)]


def _capturable_total(data: ShopData, order: SOrder) -> Decimal:
    if order.payments is None:
        return Decimal(0)
    return sum((capturable(data, order, a) for a in _authorizations(order)), Decimal(0))


ORDER_PAYMENT_FIELDS: dict[str, Resolver] = {
    "displayFinancialStatus": _financial,
    "transactions": _transactions,
    "totalCapturableSet": lambda d, o, a: money_bag(_capturable_total(d, o)),
    "capturable": lambda d, o, a: _capturable_total(d, o) > 0,
}


def _or_record(resolver: Resolver, name: str) -> Resolver:
    """Refunds (``order_edits``) hand over their sale transaction as a finished dict: read its key."""

    def resolve(data: ShopData, obj: Any, args: dict[str, Any]) -> Any:
        return obj.get(name) if isinstance(obj, dict) else resolver(data, obj, args)

    return resolve


_TRANSACTION_FIELDS: dict[str, Resolver] = {
    "id": lambda d, o, a: gid("OrderTransaction", o.id),
    "kind": lambda d, o, a: o.kind,
    "status": lambda d, o, a: o.status,
    "amountSet": lambda d, o, a: money_bag(o.amount),
    "createdAt": lambda d, o, a: iso(o.at),
    "processedAt": lambda d, o, a: iso(o.at),
    "authorizationExpiresAt": lambda d, o, a: (
        iso(o.expires_at) if o.kind == "AUTHORIZATION" and o.expires_visible else None
    ),
    "multiCapturable": lambda d, o, a: o.multi,
    "manuallyCapturable": lambda d, o, a: o.kind == "AUTHORIZATION",
    "parentTransaction": lambda d, o, a: o.parent,
    "gateway": lambda d, o, a: "shopify_payments",
    "manualPaymentGateway": lambda d, o, a: False,
    "test": lambda d, o, a: False,
    "totalUnsettledSet": lambda d, o, a: (
        money_bag(capturable(d, d.orders[o.order_id], o)) if o.kind == "AUTHORIZATION" else None
    ),
}

PAYMENT_TYPES: dict[str, dict[str, Resolver]] = {
    "OrderTransaction": {
        name: _or_record(resolver, name) for name, resolver in _TRANSACTION_FIELDS.items()
    },
}


def _error(field: list[str], message: str) -> dict[str, Any]:
    return {"field": field, "message": message}


def _find(data: ShopData, value: str, kind: str) -> Any:
    ref = parse_gid(value, kind)
    return ref[1] if ref else None


def order_capture(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderCapture(input: {id, parentTransactionId, amount, finalCapture})``."""
    spec = a["input"]
    number = _find(data, spec["id"], "Order")
    order = data.orders.get(number) if number is not None else None
    if order is None:
        return {"transaction": None, "userErrors": [_error(["id"], "Order does not exist")]}
    parent_number = _find(data, spec["parentTransactionId"], "OrderTransaction")
    auths = _authorizations(order) if order.payments is not None else []
    auth = next((t for t in auths if t.id == parent_number), None)
    if auth is None:
        return {
            "transaction": None,
            "userErrors": [_error(["parentTransactionId"], "Transaction does not exist")],
        }
    try:
        amount = Decimal(str(spec["amount"]))
    except InvalidOperation:
        return {"transaction": None, "userErrors": [_error(["amount"], "Amount is invalid")]}
    now = data.clock()
    if auth.expires_at is not None and now >= auth.expires_at:
        return {
            "transaction": None,
            "userErrors": [
                _error(
                    ["parentTransactionId"], "The authorization has expired and cannot be captured"
                )
            ],
        }
    left = capturable(data, order, auth)
    if amount <= 0 or amount > left:
        return {
            "transaction": None,
            "userErrors": [
                _error(["amount"], f"Amount must be more than 0 and at most {left:.2f}")
            ],
        }
    capture = STransaction(data.next_id(), order.id, "CAPTURE", amount, now, parent=auth)
    payments_of(order).transactions.append(capture)
    if not auth.multi or spec.get("finalCapture"):
        auth.voided = True  # one capture per authorization; the rest is released
    total = sum((captured(order, t) for t in _authorizations(order)), Decimal(0))
    order.financial = "PAID" if total >= order_total(data, order) else "PARTIALLY_PAID"
    data.touch_order(order)
    return {"transaction": capture, "userErrors": []}


def order_invoice_send(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderInvoiceSend(id, email)``: Shopify mails its invoice; the sandbox records it."""
    number = _find(data, a["id"], "Order")
    order = data.orders.get(number) if number is not None else None
    if order is None:
        return {
            "order": None,
            "userErrors": [
                {
                    "field": ["id"],
                    "message": "Order does not exist",
                    "code": "ORDER_INVOICE_SEND_UNSUCCESSFUL",
                }
            ],
        }
    to = str((a.get("email") or {}).get("to") or order.email)
    payments_of(order).invoices.append(SInvoice(order.id, to, data.clock()))
    return {"order": order, "userErrors": []}


PAYMENT_MUTATIONS: dict[str, Callable[[ShopData, dict[str, Any]], dict[str, Any]]] = {
    "orderCapture": order_capture,
    "orderInvoiceSend": order_invoice_send,
}
