"""What customers chose over a period, for the owner: ``connector report`` (text and ``--json``),
the console's report page and the daily digest.

Read from the customer page's own tables, one query each: ``customer_choices`` (keep waiting,
cancels by the customer or at an FTC deadline), ``customer_cancels`` (the money side: refunds the
gateway paid, refunds the owner pays by hand, cancels the shop refused, cancels awaiting the
owner's approval) and ``delay_consents`` (the FTC delay notices). Nothing is counted per order in
Python loops over the database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from connector.model import ChoiceCounts, Money
from connector.model_cancel import RefundKind
from connector.notify.formatting import format_money
from connector.plan_text import count
from connector.web.customer_consent import SOURCE as DEADLINE
from connector.web.tables import (
    CANCEL,
    KEEP_WAITING,
    CancelState,
    customer_cancels,
    customer_choices,
    delay_consents,
)

__all__ = ["ChoicesReport", "choice_counts", "choices_lines", "choices_report"]


def choice_counts(
    engine: sa.Engine, shop: str, *, since: datetime, until: datetime
) -> ChoiceCounts:
    """Orders whose customer chose to keep waiting, cancelled themselves, or were cancelled at an
    FTC deadline, between ``since`` and ``until`` (an order counts once per kind)."""
    table = customer_choices
    query = (
        sa.select(table.c.action, table.c.source, sa.func.count(sa.distinct(table.c.order_id)))
        .where(table.c.shop == shop, table.c.at >= since, table.c.at <= until)
        .group_by(table.c.action, table.c.source)
    )
    kept = by_customer = at_deadline = 0
    with engine.connect() as conn:
        for action, source, orders in conn.execute(query):
            if action == KEEP_WAITING:
                kept += int(orders)
            elif action == CANCEL and source == DEADLINE:
                at_deadline += int(orders)
            elif action == CANCEL:
                by_customer += int(orders)
    return ChoiceCounts(kept, by_customer, at_deadline)


@dataclass(frozen=True, slots=True)
class ChoicesReport:
    """The customers' choices over a report's window, and where their cancels stand."""

    counts: ChoiceCounts
    refunds_paid: int = 0
    """Cancels done in the window whose refund the payment gateway paid."""
    refunded: dict[str, Decimal] = field(default_factory=dict)
    """Those refunds' money, per currency."""
    refunds_by_hand: int = 0
    """Cancels done in the window the gateway could not refund: the owner pays back by hand."""
    owed: dict[str, Decimal] = field(default_factory=dict)
    """What the owner has to pay back by hand, per currency."""
    failed: int = 0
    """Cancels the shop refused in the window: to cancel and refund by hand."""
    awaiting_approval: int = 0
    """Cancels waiting for the owner's approval now (``connector cancels approve``)."""
    notices: int = 0
    """FTC delay notices sent in the window."""
    notices_open: int = 0
    """Delay notices waiting now for an answer before their deadline."""

    def as_dict(self) -> dict[str, Any]:
        """The ``choices`` part of ``connector report --json`` (money as text, like the rest)."""
        return {
            "kept_waiting": self.counts.kept_waiting,
            "customer_cancels": self.counts.customer_cancels,
            "deadline_cancels": self.counts.deadline_cancels,
            "refunds_paid": self.refunds_paid,
            "refunded": {cur: str(value) for cur, value in sorted(self.refunded.items())},
            "refunds_by_hand": self.refunds_by_hand,
            "owed_by_hand": {cur: str(value) for cur, value in sorted(self.owed.items())},
            "failed": self.failed,
            "awaiting_approval": self.awaiting_approval,
            "delay_notices": self.notices,
            "delay_notices_open": self.notices_open,
        }

    def rows(self) -> list[tuple[str, str | int]]:
        """(metric, value) pairs for ``report --csv``: ``choices.kept_waiting``, and money as
        ``choices.refunded.USD``."""
        out: list[tuple[str, str | int]] = []
        for key, value in self.as_dict().items():
            if isinstance(value, dict):
                out.extend((f"choices.{key}.{cur}", amount) for cur, amount in value.items())
            else:
                out.append((f"choices.{key}", value))
        return out

    def __bool__(self) -> bool:
        return bool(self.counts or self.failed or self.awaiting_approval or self.notices)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def choices_report(
    engine: sa.Engine, shop: str, *, since: datetime, until: datetime
) -> ChoicesReport:
    """``shop``'s customers' choices between ``since`` and ``until`` (see :class:`ChoicesReport`)."""
    cancels, notices = customer_cancels, delay_consents
    in_window = sa.and_(cancels.c.updated_at >= since, cancels.c.updated_at <= until)
    cancel_query = sa.select(
        cancels.c.state, cancels.c.refund, cancels.c.amount, cancels.c.owed, cancels.c.currency
    ).where(
        cancels.c.shop == shop,
        sa.or_(cancels.c.state == CancelState.AWAITING_APPROVAL, in_window),
    )
    notice_query = sa.select(notices.c.sent_at, notices.c.consent_by, notices.c.outcome).where(
        notices.c.shop == shop,
        sa.or_(
            sa.and_(notices.c.sent_at >= since, notices.c.sent_at <= until),
            notices.c.outcome == "",
        ),
    )
    states: Counter[str] = Counter()
    refunded: dict[str, Decimal] = {}
    owed: dict[str, Decimal] = {}
    sent = waiting = 0
    with engine.connect() as conn:
        for state, refund, amount, owes, currency in conn.execute(cancel_query):
            kind = refund if state == CancelState.DONE else state
            states[kind] += 1
            if kind == RefundKind.PAID:
                refunded[currency] = refunded.get(currency, Decimal(0)) + _decimal(amount)
            elif kind == RefundKind.MANUAL:
                owed[currency] = owed.get(currency, Decimal(0)) + _decimal(owes)
        for sent_at, consent_by, outcome in conn.execute(notice_query):
            sent += since <= sent_at <= until
            waiting += not outcome and bool(consent_by)
    return ChoicesReport(
        counts=choice_counts(engine, shop, since=since, until=until),
        refunds_paid=states[RefundKind.PAID],
        refunded=refunded,
        refunds_by_hand=states[RefundKind.MANUAL],
        owed=owed,
        failed=states[CancelState.FAILED],
        awaiting_approval=states[CancelState.AWAITING_APPROVAL],
        notices=sent,
        notices_open=waiting,
    )


def _money(values: dict[str, Decimal], locale: str) -> str:
    return ", ".join(
        format_money(Money(value, cur), locale) for cur, value in sorted(values.items())
    )


def choices_lines(report: ChoicesReport, locale: str = "en") -> list[str]:
    """The report's choices as the owner reads them in ``connector report`` and the console
    (empty when customers chose nothing and nothing waits); money as ``locale`` writes it, like
    the report's other amounts."""
    if not report:
        return []
    counts = report.counts
    lines = [
        f"kept waiting (delay consent given): {count(counts.kept_waiting, 'order')}",
        f"customers asked to cancel: {count(counts.customer_cancels, 'order')}",
        f"cancelled at an FTC deadline with no answer: {count(counts.deadline_cancels, 'order')}",
        f"refunds paid by the payment gateway: {report.refunds_paid}"
        + (f" ({_money(report.refunded, locale)})" if report.refunded else ""),
        f"refunds you must pay by hand: {report.refunds_by_hand}"
        + (f" ({_money(report.owed, locale)})" if report.owed else ""),
    ]
    if report.failed:
        lines.append(f"cancels the shop refused (cancel and refund by hand): {report.failed}")
    lines.append(
        f"waiting for your approval: {report.awaiting_approval}"
        + (" (connector cancels list)" if report.awaiting_approval else "")
    )
    if report.notices or report.notices_open:
        lines.append(
            f"FTC delay notices sent: {report.notices}; "
            f"waiting for an answer now: {report.notices_open}"
        )
    return lines
