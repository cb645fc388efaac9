"""Every mail to a waiting customer is addressed from the order the same way: a Swedish customer
whose order carries no language of its own still reads Swedish (the payment-captured mail once
used the order's language alone and fell back to English)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from connector.engine.notifications import to_customer
from connector.model import Money, NotificationKind, NotificationLine
from tests.engine.builders import line, order

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_customers_language_when_the_order_has_none() -> None:
    placed = order("1042", NOW, line("L1", "SOFA", 1))
    placed = replace(placed, locale=None, customer=replace(placed.customer, locale="sv"))
    mail = to_customer(
        "acme",
        NotificationKind.PAYMENT_CAPTURED,
        placed,
        [NotificationLine("L1", "SOFA", "Sofa", 1)],
        NOW,
        amount=Money(Decimal("100.00"), "EUR"),
    )
    assert (mail.locale, mail.email, mail.order_number) == ("sv", placed.customer.email, "#1042")


def test_the_orders_language_wins_over_the_customers() -> None:
    placed = order("1043", NOW, line("L1", "SOFA", 1))
    placed = replace(placed, locale="en", customer=replace(placed.customer, locale="sv"))
    mail = to_customer("acme", NotificationKind.WAIT_CONFIRMATION, placed, [], NOW)
    assert mail.locale == "en"
