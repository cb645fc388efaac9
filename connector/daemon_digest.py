"""The owner's daily digest: what the last day's backorder history says, as one email a day."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from connector.daemon_schema import cycle_runs
from connector.engine.reorder import ReorderSuggestion
from connector.model import (
    BackorderEventKind,
    ChoiceCounts,
    Notification,
    NotificationKind,
    NotificationLine,
    ReorderDue,
)
from connector.settings import ShopSettings
from connector.web.customer_report import choice_counts

__all__ = [
    "build_digest",
    "day_choices",
    "local_date",
    "owner_digest",
    "reorder_due",
    "shop_zone",
    "unheld_orders",
]

log = logging.getLogger(__name__)


def shop_zone(name: str) -> tzinfo:
    """The shop's time zone; UTC (with a warning) when the config names an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; the digest goes out on UTC time", name)
        return UTC


def local_date(shop: ShopSettings, now: datetime) -> date:
    """The shop owner's calendar date at ``now``: the digest's day, and so its outbox key."""
    return now.astimezone(shop_zone(shop.timezone)).date()


def unheld_orders(engine: sa.Engine, shop: str) -> list[str]:
    """Why each order's backordered lines could not be held, as the shop's latest cycle said.

    A refused hold is planned again every cycle while the line waits, so the latest cycle's
    failures are the lines that cannot be held now (e.g. sent to a fulfillment service).
    """
    with engine.connect() as conn:
        summary = conn.execute(
            sa.select(cycle_runs.c.summary)
            .where(cycle_runs.c.shop == shop, cycle_runs.c.kind == "cycle")
            .order_by(cycle_runs.c.id.desc())
            .limit(1)
        ).scalar()
    try:
        failures = json.loads(summary or "{}").get("failures", [])
    except (ValueError, AttributeError):
        return []
    unheld = []
    for item in failures if isinstance(failures, list) else ():
        parts = str(item.get("key", "")).split(":") if isinstance(item, dict) else []
        if len(parts) > 2 and parts[1] == "hold_lines" and item.get("status") == "failed":
            order = ":".join(parts[2:-1]).rsplit("/", 1)[-1]
            unheld.append(f"order {order}: {item.get('message', '')}")
    return unheld


def reorder_due(
    shop: ShopSettings, suggestions: Sequence[ReorderSuggestion], now: datetime
) -> ReorderDue | None:
    """The suggestions due within a week, summed for the digest's reorder sentence; None if none."""
    soon = local_date(shop, now) + timedelta(days=7)
    due = [s for s in suggestions if s.order_by <= soon]
    if not due:
        return None
    return ReorderDue(
        units=sum(s.units for s in due), skus=len(due), first_by=min(s.order_by for s in due)
    )


def day_choices(shop: ShopSettings, engine: sa.Engine, now: datetime) -> ChoiceCounts | None:
    """The customers' choices on their pages in the last day (None if none), counted as
    ``connector report`` counts them (:func:`~connector.web.customer_report.choice_counts`)."""
    counts = choice_counts(engine, shop.name, since=now - timedelta(days=1), until=now)
    return counts or None


def build_digest(
    shop: ShopSettings,
    owner_email: str,
    events: Iterable[Any],
    now: datetime,
    *,
    unheld: Sequence[str] = (),
    reorder: Sequence[ReorderSuggestion] = (),
    choices: ChoiceCounts | None = None,
) -> Notification | None:
    """The owner's digest from the last day's history: new backorders, delays, stopped selling.

    Lines follow the digest template's convention: ``old_eta`` set is a delay, quantity 0 is an
    item that stopped selling, anything else a new backorder. None when nothing happened or when
    no owner address is configured (the digest is off). ``unheld`` (see :func:`unheld_orders`)
    rides in ``reason``, one order a line: the owner must hold those lines by hand.
    ``promised_date`` is the shop's local date, which the outbox keys digests on: one digest per
    shop and day, whoever builds it. The reorder suggestions due within a week add one sentence
    (:func:`reorder_due`, worded by the template) to a digest that goes out; alone they send
    none, so a quiet day stays quiet. ``choices`` (:func:`day_choices`) is a reason to send one:
    the owner should know customers asked to cancel.
    """
    if not owner_email.strip():
        return None
    lines: list[NotificationLine] = []
    for number, event in enumerate(events):
        if event.kind is BackorderEventKind.DETECTED:
            lines.append(
                NotificationLine(
                    f"n{number}", event.sku, event.sku, max(1, event.quantity), eta=event.eta
                )
            )
        elif event.kind is BackorderEventKind.DELAYED and event.old_eta is not None:
            lines.append(
                NotificationLine(
                    f"d{number}",
                    event.sku,
                    event.sku,
                    max(1, event.quantity),
                    eta=event.eta,
                    old_eta=event.old_eta,
                )
            )
        elif event.kind is BackorderEventKind.SOLD_OUT:
            lines.append(NotificationLine(f"s{number}", event.sku, event.sku, 0))
    if not lines and not unheld and not choices:
        return None
    return owner_digest(
        shop,
        owner_email,
        now,
        lines=lines,
        reason="\n".join(unheld),
        reorder=reorder_due(shop, reorder, now),
        choices=choices or None,
    )


def owner_digest(
    shop: ShopSettings,
    owner_email: str,
    now: datetime,
    *,
    lines: Iterable[NotificationLine] = (),
    reason: str = "",
    reorder: ReorderDue | None = None,
    choices: ChoiceCounts | None = None,
) -> Notification:
    """The owner's digest of the shop's day (``promised_date``: that day, in the shop's zone)."""
    return Notification(
        shop=shop.name,
        kind=NotificationKind.DIGEST,
        order_id="",
        order_number="",
        email=owner_email,
        name=shop.branding.name or shop.name,
        locale=shop.locale,
        lines=tuple(lines),
        created_at=now,
        promised_date=local_date(shop, now),
        reason=reason,
        reorder=reorder,
        choices=choices,
    )
