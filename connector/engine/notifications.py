"""Customer notifications from the line notices of one order: one per order and kind, true for
the whole order when it is sent (what ships now, what still waits), and reminders."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connector.engine.events import LineNotice, line_event, mailed, notice_line
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Money,
    Notification,
    NotificationKind,
    NotificationLine,
    Order,
)
from connector.settings import PolicySettings

__all__ = ["delay_discount_code", "notification_for", "reminder", "to_customer"]


def to_customer(
    shop: str,
    kind: NotificationKind,
    order: Order,
    lines: Iterable[NotificationLine],
    now: datetime,
    **fields: Any,
) -> Notification:
    """A mail to ``order``'s customer: their address, name and language (the order's, else the
    customer's) taken from the order in one place; ``fields`` are the kind's own (amount, ...)."""
    return Notification(
        shop=shop,
        kind=kind,
        order_id=order.platform_id,
        order_number=order.number,
        email=order.customer.email,
        name=order.customer.name,
        locale=order.customer_locale,
        lines=tuple(lines),
        created_at=now,
        **fields,
    )


_CONFIRMATIONS = frozenset(
    {NotificationKind.BACKORDER_CONFIRMATION, NotificationKind.PREORDER_CONFIRMATION}
)


def _latest(dates: Iterable[date | None]) -> date | None:
    """The last of the dates; None when any is unknown (the order is only as sure as its least)."""
    latest: date | None = None
    for value in dates:
        if value is None:
            return None
        if latest is None or value > latest:
            latest = value
    return latest


def notification_for(  # noqa: PLR0917 - positional: one call per waiting order
    shop: str,
    order: Order,
    kind: NotificationKind,
    notices: Sequence[LineNotice],
    now: datetime,
    ships_now: Mapping[str, int],
    waiting: Sequence[BackorderEntry],
    policy: PolicySettings,
    release: date | None = None,
) -> Notification:
    """One notification for one order: its lines of ``kind``; a confirmation also lists what ships
    now (every line of the order not among ``waiting``, the order's waiting entries, nor told).

    Its parameters may be passed by position: the plan calls it once per order it tells (180k
    in a cold plan), and keywords cost more.
    """
    if len(notices) == 1:  # the usual case, without the generic walks
        only = notices[0].line
        lines = [only]
        promised = None if kind is NotificationKind.CANCELLATION else only.eta
        old_promised = only.old_eta
    else:
        lines = [notice.line for notice in notices]
        promised = None if kind is NotificationKind.CANCELLATION else _latest(n.eta for n in lines)
        old_promised = max((n.old_eta for n in lines if n.old_eta is not None), default=None)
    if kind in _CONFIRMATIONS:
        # What ships now follows the waiting lines; short sequences are quicker here than sets.
        not_now: Collection[str]
        if len(lines) == 1 and len(waiting) == 1:  # one line waits, and it is the one told
            not_now = (lines[0].line_id, waiting[0].line_id)
        else:
            ids = [line.line_id for line in lines] + [entry.line_id for entry in waiting]
            not_now = set(ids) if len(ids) > 16 else ids
        for line in order.lines:
            line_id = line.platform_id
            units = ships_now.get(line_id)
            if units is None and line_id not in not_now:
                units = line.open_quantity
            if units:
                # Positional, in field order: (line_id, sku, title, quantity, eta, old_eta,
                # ships_now, price).
                lines.append(
                    NotificationLine(
                        line_id, line.sku, line.title, units, None, None, True, line.price
                    )
                )
    if kind is NotificationKind.SHIP_SOON:
        lines = _with_still_waiting(lines, order, waiting)
    if len(notices) == 1:
        reason = notices[0].reason
    else:
        reason = "; ".join(sorted({notice.reason for notice in notices if notice.reason}))
    discount = ""
    if kind is NotificationKind.DELAY and policy.delay_discount_percent:
        discount = delay_discount_code(order.platform_id, promised)
    customer = order.customer
    # Positional, in field order: one per waiting order in a cold plan (180k in the benchmark).
    notification = Notification(
        shop,
        kind,
        order.platform_id,
        order.number,
        customer.email,
        customer.name,
        order.locale or customer.locale,  # Order.customer_locale, without the property call
        tuple(lines),
        now,
        promised,
        old_promised,
        reason,
        policy.payment_terms if kind is NotificationKind.PREORDER_CONFIRMATION else "",
        discount,
        release if kind is NotificationKind.PREORDER_CONFIRMATION else None,
    )
    if kind is NotificationKind.PREORDER_CONFIRMATION and policy.payment != "full":
        amounts = _deferred_amounts(order, policy, notices)
        if amounts is not None:
            notification = replace(notification, amount=amounts[0], amount_due=amounts[1])
    return notification


def _deferred_amounts(
    order: Order, policy: PolicySettings, notices: Sequence[LineNotice]
) -> tuple[Money, Money] | None:
    """What a pre-order bought under a deposit / pay-later selling plan paid at checkout and still
    owes: the plan's percent of each such line's price (as Shopify charges it, per line, to the
    cent). Lines not bought under a plan (WooCommerce, or "buy now" on Shopify) say nothing."""
    told = {notice.line.line_id for notice in notices}
    percent = (policy.deposit_percent or Decimal(0)) if policy.payment == "deposit" else Decimal(0)
    paid = due = Decimal(0)
    currency = ""
    for line in order.lines:
        if line.platform_id not in told or not line.selling_plan or line.price is None:
            continue
        if currency and line.price.currency != currency:
            return None
        currency = line.price.currency
        price = line.price.amount * line.quantity
        deposit = (price * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        paid += deposit
        due += price - deposit
    if not currency:
        return None
    return Money(paid, currency), Money(due, currency)


def _with_still_waiting(
    lines: list[NotificationLine], order: Order, waiting: Sequence[BackorderEntry]
) -> list[NotificationLine]:
    """A ship-soon mail for part of an order: the arrived lines marked as shipping now, then the
    order's lines that still wait, with their dates, so the mail never says the whole order is
    being packed. Unchanged when nothing else of the order waits."""
    arrived = {line.line_id for line in lines}
    still = [entry for entry in waiting if entry.waiting and entry.line_id not in arrived]
    if not still:
        return lines
    out = [replace(line, ships_now=True) for line in lines]
    by_id = {line.platform_id: line for line in order.lines}
    for entry in still:
        ordered = by_id.get(entry.line_id)
        title = ordered.title if ordered is not None else entry.sku
        price = ordered.price if ordered is not None else None
        out.append(notice_line(entry, title, price, entry.waiting))
    return out


def delay_discount_code(order_id: str, promised: date | None) -> str:
    """Deterministic, so a rerun offers the same code instead of minting another."""
    seed = f"{order_id}|{promised.isoformat() if promised else '-'}"
    return "SORRY-" + hashlib.sha1(seed.encode()).hexdigest()[:8].upper()


def reminder(
    shop: str,
    order: Order,
    entries: Sequence[BackorderEntry],
    policy: PolicySettings,
    now: datetime,
) -> tuple[Notification, list[BackorderEvent]]:
    """A reminder to a customer still waiting, with the ETA of every waiting line of the order.

    Each line gets an ``ETA_SET`` event marked ``reminder`` (and :data:`MAILED`): the history records
    that the customer was told the date again (the reminder cadence counts from it).
    """
    by_id = {line.platform_id: line for line in order.lines}
    group = []
    events = []
    for entry in entries:
        line = by_id.get(entry.line_id)
        title = line.title if line is not None else entry.sku
        price = line.price if line is not None else None
        group.append(
            LineNotice(
                order.platform_id,
                NotificationKind.REMINDER,
                notice_line(entry, title, price, entry.waiting),
                "still waiting",
            )
        )
        events.append(
            line_event(
                entry,
                BackorderEventKind.ETA_SET,
                entry.waiting,
                shop=shop,
                now=now,
                old=entry.eta,
                detail=mailed("reminder"),
            )
        )
    notification = notification_for(
        shop,
        order,
        kind=NotificationKind.REMINDER,
        notices=group,
        now=now,
        ships_now={},
        waiting=entries,
        policy=policy,
    )
    return notification, events
