"""Delay consent as the FTC's Mail, Internet, or Telephone Order Merchandise Rule asks
(16 CFR Part 435; ``[web] delay_consent = "ftc"``). The rule and its sources: docs/customer-page.md.

Each daemon cycle, for every order with waiting units, before the cycle's sync:

1. **A delay past what the customer agreed to** (the first promised date, later the latest date
   they agreed to) gets one notice per revised date (``delay_consents``, unique per order and
   date), a ``delay_consent`` email with the new date and the choice: keep waiting, or cancel the
   waiting items for a full refund, both on the order page.

   * First delay, to a definite date at most 30 days after the first promise: silence counts as
     agreeing (no deadline).
   * First delay further than that, or to no date: the customer must press "Keep waiting" by the
     first promise + 30 days.
   * Any later delay (a renewed notice): silence never counts; the customer must agree by the
     latest date they agreed to.

   A deadline is never sooner than :data:`MIN_NOTICE` after the notice, so the customer has time
   to decide.
2. **At a deadline without an answer** (no "keep waiting" for that date, no cancel) the waiting
   units are cancelled and refunded through the same record as a customer's own cancel
   (:func:`connector.web.customer_cancel.request_cancel`, source "delay deadline"): one record per
   order and date, written to the shop once by :func:`~connector.web.customer_cancel.run_cancels`
   right after, and the customer gets the cancellation email once the refund is read back. With
   ``cancel_needs_approval`` it waits for the owner like any cancel.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.clock import Clock
from connector.db.store import StateStore
from connector.engine.notifications import to_customer
from connector.model import (
    BackorderEntry,
    BackorderEventKind,
    NotificationKind,
    NotificationLine,
)
from connector.settings import ShopSettings, WebSettings
from connector.web.customer_cancel import request_cancel, run_cancels
from connector.web.customer_swap import run_swaps
from connector.web.swap_mail import confirm_swaps
from connector.web.tables import CANCEL, KEEP_WAITING, choices_for, delay_consents

__all__ = [
    "FIRST_DELAY_GRACE",
    "MIN_NOTICE",
    "ConsentNotice",
    "notices_for",
    "run_consent",
    "run_customer_work",
]

log = logging.getLogger(__name__)

FIRST_DELAY_GRACE = timedelta(days=30)
"""16 CFR 435.2(b)(1): silence is consent to a first delay of at most 30 days; beyond it (or with
no date) the order is cancelled unless the customer agrees within 30 days of the first date."""

MIN_NOTICE = timedelta(days=3)
"""The rule asks for notice in time to make a meaningful decision: no deadline sooner than this."""

SOURCE = "delay deadline"


@dataclass(frozen=True, slots=True)
class ConsentNotice:
    """One delay notice: the date asked about, the deadline to agree, and what came of it."""

    order_id: str
    promise: date | None
    original: date
    kind: str
    consent_by: date | None
    sent_at: datetime
    outcome: str
    outcome_at: datetime | None


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def notices_for(engine: sa.Engine, shop: str, order_id: str | None = None) -> list[ConsentNotice]:
    """The shop's delay notices (one order's with ``order_id``), oldest first."""
    table = delay_consents
    query = sa.select(table).where(table.c.shop == shop).order_by(table.c.id)
    if order_id is not None:
        query = query.where(table.c.order_id == order_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        ConsentNotice(
            row.order_id,
            _day(row.promise),
            date.fromisoformat(row.original),
            row.kind,
            _day(row.consent_by),
            row.sent_at,
            row.outcome,
            row.outcome_at,
        )
        for row in rows
    ]


def _first_promise(store: StateStore, shop: str, order_id: str) -> date | None:
    """The first date the shop gave for the order's waiting lines (its events, oldest first)."""
    for event in store.events(shop, order_id=order_id):
        if event.kind in (BackorderEventKind.DETECTED, BackorderEventKind.ETA_SET) and event.eta:
            return event.eta
        if event.kind is BackorderEventKind.DELAYED and event.old_eta:
            return event.old_eta
    return None


def _latest(entries: list[BackorderEntry]) -> date | None:
    """The date the wait ends, as the page says it: the latest dated waiting unit."""
    return max((e.eta for e in entries if e.eta), default=None)


def _notify(
    store: StateStore,
    outbox: Any,
    shop: ShopSettings,
    *,
    entries: list[BackorderEntry],
    notice: ConsentNotice,
    agreed: date | None,
    now: datetime,
) -> None:
    order = store.order(shop.name, notice.order_id)
    if order is None or outbox is None:
        return
    titles = {line.platform_id: line for line in order.lines}
    lines = tuple(
        NotificationLine(
            line_id=e.line_id,
            sku=e.sku,
            title=(titles[e.line_id].title if e.line_id in titles else "") or e.sku,
            quantity=e.waiting,
            eta=e.eta,
            old_eta=agreed,
            price=titles[e.line_id].price if e.line_id in titles else None,
        )
        for e in entries
    )
    outbox.enqueue(
        [
            to_customer(
                shop.name,
                NotificationKind.DELAY_CONSENT,
                order,
                lines,
                now,
                promised_date=notice.promise,
                old_promised_date=agreed,
                consent_by=notice.consent_by,
            )
        ],
        shop,
    )


def _new_notices(
    engine: sa.Engine,
    store: StateStore,
    outbox: Any,
    shop: ShopSettings,
    *,
    waiting: dict[str, list[BackorderEntry]],
    now: datetime,
) -> None:
    today = now.date()
    for order_id, entries in waiting.items():
        current = _latest(entries)
        if any(e.eta is None for e in entries):
            current = None  # a unit with no date: the wait has no known end
        earlier = notices_for(engine, shop.name, order_id)
        original = earlier[0].original if earlier else _first_promise(store, shop.name, order_id)
        if original is None:
            continue  # no date was ever promised: there is no promise to be late on
        agreed = earlier[-1].promise if earlier else original
        if agreed is None or (current is not None and current <= agreed):
            continue  # within what was agreed (an open-ended wait, once agreed, needs no more)
        if not earlier:
            kind = "first"
            silence_agrees = current is not None and current <= original + FIRST_DELAY_GRACE
            consent_by = None if silence_agrees else original + FIRST_DELAY_GRACE
        else:
            kind, consent_by = "renewed", agreed
        if consent_by is not None:
            consent_by = max(consent_by, today + MIN_NOTICE)
        try:
            with engine.begin() as conn:
                conn.execute(
                    delay_consents.insert().values(
                        shop=shop.name,
                        order_id=order_id,
                        promise=current.isoformat() if current else "",
                        original=original.isoformat(),
                        kind=kind,
                        consent_by=consent_by.isoformat() if consent_by else "",
                        sent_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            continue  # this date was asked about already
        notice = ConsentNotice(order_id, current, original, kind, consent_by, now, "", None)
        _notify(store, outbox, shop, entries=entries, notice=notice, agreed=agreed, now=now)


def _close(engine: sa.Engine, shop: str, notice: ConsentNotice, outcome: str, at: datetime) -> None:
    table = delay_consents
    with engine.begin() as conn:
        conn.execute(
            table.update()
            .where(
                table.c.shop == shop,
                table.c.order_id == notice.order_id,
                table.c.promise == (notice.promise.isoformat() if notice.promise else ""),
                table.c.outcome == "",
            )
            .values(outcome=outcome, outcome_at=at)
        )


def _deadlines(
    engine: sa.Engine,
    shop: ShopSettings,
    waiting: dict[str, list[BackorderEntry]],
    now: datetime,
    needs_approval: bool,
) -> None:
    for notice in notices_for(engine, shop.name):
        if notice.outcome:
            continue
        entries = waiting.get(notice.order_id, [])
        choices = choices_for(engine, shop.name, notice.order_id)
        if any(c.action == KEEP_WAITING and c.promise == notice.promise for c in choices):
            _close(engine, shop.name, notice, "agreed to wait", now)
        elif any(c.action == CANCEL and c.at >= notice.sent_at for c in choices):
            _close(engine, shop.name, notice, "cancelled by the customer", now)
        elif not entries:
            _close(engine, shop.name, notice, "no longer waiting", now)
        elif notice.consent_by is not None and now.date() > notice.consent_by:
            units: dict[str, int] = defaultdict(int)
            for entry in entries:
                units[entry.line_id] += entry.waiting
            request_cancel(
                engine,
                shop=shop.name,
                order_id=notice.order_id,
                units=units.items(),
                promise=_latest(entries),
                at=now,
                source=SOURCE,
                needs_approval=needs_approval,
            )
            log.info(
                "order %s: no answer by %s: cancelled and refunded",
                notice.order_id,
                notice.consent_by,
            )
            _close(engine, shop.name, notice, "cancelled at the deadline", now)


def run_consent(
    engine: sa.Engine,
    store: StateStore,
    clock: Clock,
    shop: ShopSettings,
    outbox: Any,
    *,
    needs_approval: bool = False,
) -> None:
    """One pass of the FTC flow for ``shop`` (see the module's docstring)."""
    now = clock()
    waiting: dict[str, list[BackorderEntry]] = defaultdict(list)
    for entry in store.queue(shop.name):
        if entry.waiting > 0:
            waiting[entry.order_id].append(entry)
    _new_notices(engine, store, outbox, shop, waiting=waiting, now=now)
    _deadlines(engine, shop, waiting, now, needs_approval)


def run_customer_work(
    store: StateStore,
    engine: sa.Engine,
    clock: Clock,
    *,
    shop: ShopSettings,
    web: WebSettings,
    adapter: object,
    outbox: Any,
) -> None:
    """What customers' choices ask of one shop each cycle: the delay-consent pass (when on), then
    every pending cancel and swap written to the shop (a swap confirmed by email once done)."""
    if web.delay_consent == "ftc":
        run_consent(engine, store, clock, shop, outbox, needs_approval=web.cancel_needs_approval)
    run_cancels(engine, clock, shop.name, adapter)
    swapped = run_swaps(engine, clock, shop.name, adapter)
    confirm_swaps(store, outbox, shop, swapped, clock())
