"""An order's taxes, shipping and payment terms, and the payment reminder, as Shopify shows them.

What the sandbox teaches (each with its test in ``tests/sandbox/shopify/test_order_money_sandbox.py``):

- ``LineItem.taxLines`` are the taxes charged for the whole line ("including taxes charged for
  refunded and removed quantities", the 2026-10 schema); ``Order.taxesIncluded`` says whether the
  line prices already include them (then a tax line is the part of the price that is tax).
- ``Order.shippingLine`` sums the order's shipping: ``discountedPriceSet`` and its ``taxLines``.
- ``Order.paymentTerms`` is ``null`` unless the order has payment terms (net terms, due on
  fulfilment, ...); each has ``paymentSchedules`` with ``dueAt`` and ``completedAt`` (null while
  unpaid).
- ``paymentReminderSend(paymentScheduleId)`` "sends an email payment reminder for a payment
  schedule" (shopify.dev, admin-graphql 2026-01 ``mutations/paymentReminderSend``); its payload is
  ``success`` and ``userErrors`` (code ``PAYMENT_REMINDER_SEND_UNSUCCESSFUL``). The sandbox keeps
  each reminder (to whom, for which schedule) instead of mailing it; a paid schedule is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connector.sandbox.shopify.records import SLine, SOrder, gid, iso, money_bag, parse_gid
from connector.sandbox.shopify.store import ShopData

__all__ = [
    "ORDER_MONEY_FIELDS",
    "ORDER_MONEY_MUTATIONS",
    "ORDER_MONEY_TYPES",
    "OrderMoneyTerms",
    "SSchedule",
    "line_tax",
    "money_terms",
    "shipping_total",
]

CENT = Decimal("0.01")
Resolver = Callable[[ShopData, Any, dict[str, Any]], Any]


class SSchedule:
    """One ``PaymentSchedule`` of an order's payment terms."""

    __slots__ = ("completed_at", "due_at", "id", "reminders")

    def __init__(self, id: int, due_at: datetime) -> None:
        self.id = id
        self.due_at = due_at
        self.completed_at: datetime | None = None
        self.reminders: list[tuple[str, datetime]] = []
        """Each ``paymentReminderSend``: the address it went to, and when."""


class OrderMoneyTerms:
    """What an order owes beyond its line prices, and when (kept in ``ShopData.order_money``)."""

    __slots__ = ("schedules", "shipping", "shipping_tax", "tax_rate", "taxes_included", "terms_id")

    def __init__(self) -> None:
        self.tax_rate = Decimal(0)
        self.taxes_included = False
        self.shipping = Decimal(0)
        self.shipping_tax = Decimal(0)
        self.terms_id: int | None = None
        self.schedules: list[SSchedule] = []


def money_terms(data: ShopData, order: SOrder) -> OrderMoneyTerms:
    terms = data.order_money.get(order.id)
    if terms is None:
        terms = data.order_money[order.id] = OrderMoneyTerms()
    assert isinstance(terms, OrderMoneyTerms)
    return terms


def line_tax(data: ShopData, line: SLine) -> Decimal:
    """The tax of the whole line (ordered quantity), to the cent."""
    order = data.orders[line.order_id]
    terms = money_terms(data, order)
    gross = Decimal(line.price) * line.quantity
    if terms.tax_rate <= 0:
        return Decimal(0)
    if terms.taxes_included:
        return (gross - gross / (1 + terms.tax_rate)).quantize(CENT, ROUND_HALF_UP)
    return (gross * terms.tax_rate).quantize(CENT, ROUND_HALF_UP)


def shipping_total(data: ShopData, order: SOrder) -> Decimal:
    """Shipping and, when prices exclude tax, its tax: what the customer pays for it."""
    terms = money_terms(data, order)
    return terms.shipping + (Decimal(0) if terms.taxes_included else terms.shipping_tax)


def _tax_lines(amount: Decimal, rate: Decimal) -> list[dict[str, Any]]:
    if amount <= 0:
        return []
    return [
        {
            "title": "Sales tax",
            "rate": float(rate),
            "ratePercentage": float(rate * 100),
            "priceSet": money_bag(amount),
        }
    ]


def _shipping_line(data: ShopData, order: SOrder, args: dict[str, Any]) -> Any:
    terms = money_terms(data, order)
    if terms.shipping <= 0:
        return None
    return {
        "title": "Standard",
        "discountedPriceSet": money_bag(terms.shipping),
        "originalPriceSet": money_bag(terms.shipping),
        "taxLines": _tax_lines(terms.shipping_tax, terms.tax_rate),
    }


def _payment_terms(data: ShopData, order: SOrder, args: dict[str, Any]) -> Any:
    terms = money_terms(data, order)
    if terms.terms_id is None:
        return None
    return {
        "id": gid("PaymentTerms", terms.terms_id),
        "paymentTermsName": "Net 30",
        "paymentTermsType": "NET",
        "dueInDays": 30,
        "overdue": any(
            s.completed_at is None and s.due_at <= data.clock() for s in terms.schedules
        ),
        "paymentSchedules": {"nodes": terms.schedules},
    }


ORDER_MONEY_FIELDS: dict[str, Resolver] = {
    "taxesIncluded": lambda d, o, a: money_terms(d, o).taxes_included,
    "shippingLine": _shipping_line,
    "paymentTerms": _payment_terms,
}

ORDER_MONEY_TYPES: dict[str, dict[str, Resolver]] = {
    "PaymentSchedule": {
        "id": lambda d, o, a: gid("PaymentSchedule", o.id),
        "dueAt": lambda d, o, a: iso(o.due_at),
        "completedAt": lambda d, o, a: iso(o.completed_at),
        "due": lambda d, o, a: o.completed_at is None and o.due_at <= d.clock(),
    },
}

LINE_MONEY_FIELDS: dict[str, Resolver] = {
    "taxLines": lambda d, o, a: _tax_lines(
        line_tax(d, o), money_terms(d, d.orders[o.order_id]).tax_rate
    ),
}


def give_terms(data: ShopData, order: SOrder, due_in_days: int = 30) -> SSchedule:
    """Net payment terms on ``order``: one schedule due ``due_in_days`` after it was placed."""
    terms = money_terms(data, order)
    terms.terms_id = data.next_id()
    schedule = SSchedule(data.next_id(), order.created_at + timedelta(days=due_in_days))
    terms.schedules = [schedule]
    return schedule


def payment_reminder_send(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``paymentReminderSend(paymentScheduleId)``: the customer gets a reminder for the schedule."""
    ref = parse_gid(a["paymentScheduleId"], "PaymentSchedule")
    for order_id, terms in data.order_money.items():
        for schedule in terms.schedules:
            if ref is None or schedule.id != ref[1]:
                continue
            if schedule.completed_at is not None:
                return _refused("The payment schedule is already paid")
            schedule.reminders.append((data.orders[order_id].email, data.clock()))
            return {"success": True, "userErrors": []}
    return _refused("Payment schedule does not exist")


def _refused(message: str) -> dict[str, Any]:
    error = {
        "field": ["paymentScheduleId"],
        "message": message,
        "code": "PAYMENT_REMINDER_SEND_UNSUCCESSFUL",
    }
    return {"success": False, "userErrors": [error]}


ORDER_MONEY_MUTATIONS: dict[str, Callable[[ShopData, dict[str, Any]], dict[str, Any]]] = {
    "paymentReminderSend": payment_reminder_send,
}
