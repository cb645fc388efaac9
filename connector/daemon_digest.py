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
from connector.model import BackorderEventKind, Notification, NotificationKind, NotificationLine
from connector.notify.formatting import resolve_locale
from connector.settings import ShopSettings
from connector.web.tables import CANCEL, KEEP_WAITING, customer_choices

__all__ = [
    "build_digest",
    "choices_line",
    "local_date",
    "owner_digest",
    "reorder_line",
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


_REORDER = {
    "en": "To order within a week: {units} units of {skus} SKUs, the first by {first} "
    "(connector report --reorder, or the console's Reorder page).",
    "sv": "Att beställa inom en vecka: {units} st av {skus} artiklar, den första senast {first} "
    "(connector report --reorder, eller konsolens sida Reorder).",
}


def reorder_line(
    shop: ShopSettings, suggestions: Sequence[ReorderSuggestion], now: datetime
) -> str:
    """The digest's one reorder line: the suggestions due within a week, or "" when none is."""
    soon = local_date(shop, now) + timedelta(days=7)
    due = [s for s in suggestions if s.order_by <= soon]
    if not due:
        return ""
    words = _REORDER[resolve_locale(shop.locale, None, _REORDER).folder]
    first = min(s.order_by for s in due).isoformat()
    return words.format(units=sum(s.units for s in due), skus=len(due), first=first)


_CHOICES = {  # (one, many) for keep waiting, then for cancel
    "en": (
        ("1 customer chose to keep waiting.", "{n} customers chose to keep waiting."),
        ("1 customer asked to cancel.", "{n} customers asked to cancel."),
    ),
    "sv": (
        ("1 kund valde att vänta.", "{n} kunder valde att vänta."),
        ("1 kund bad om att avbeställa.", "{n} kunder bad om att avbeställa."),
    ),
}


def choices_line(shop: ShopSettings, engine: sa.Engine, now: datetime) -> str:
    """The customers' choices on their pages in the last day, one line per kind ("" if none).

    Counted from ``customer_choices`` (a cancel records its choice there too), distinct orders,
    so a customer who chose on two dates counts once.
    """
    table = customer_choices
    with engine.connect() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                sa.select(table.c.action, sa.func.count(sa.distinct(table.c.order_id)))
                .where(table.c.shop == shop.name, table.c.at >= now - timedelta(days=1))
                .group_by(table.c.action)
            ).all()
        )
    words = _CHOICES[resolve_locale(shop.locale, None, _CHOICES).folder]
    said = zip(words, (counts.get(KEEP_WAITING, 0), counts.get(CANCEL, 0)), strict=True)
    return "\n".join(forms[n > 1].format(n=n) for forms, n in said if n)


def build_digest(
    shop: ShopSettings,
    owner_email: str,
    events: Iterable[Any],
    now: datetime,
    *,
    unheld: Sequence[str] = (),
    reorder: Sequence[ReorderSuggestion] = (),
    choices: str = "",
) -> Notification | None:
    """The owner's digest from the last day's history: new backorders, delays, stopped selling.

    Lines follow the digest template's convention: ``old_eta`` set is a delay, quantity 0 is an
    item that stopped selling, anything else a new backorder. None when nothing happened or when
    no owner address is configured (the digest is off). ``unheld`` (see :func:`unheld_orders`)
    rides in ``reason``, one order a line: the owner must hold those lines by hand.
    ``promised_date`` is the shop's local date, which the outbox keys digests on: one digest per
    shop and day, whoever builds it. The reorder suggestions due within a week add one sentence
    (:func:`reorder_line`, in ``reorder_note``) to a digest that goes out; alone they send none,
    so a quiet day stays quiet. ``choices`` (:func:`choices_line`) is a reason to send one: the
    owner should know customers asked to cancel.
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
        reorder_note=reorder_line(shop, reorder, now),
        choices_note=choices,
    )


def owner_digest(
    shop: ShopSettings,
    owner_email: str,
    now: datetime,
    *,
    lines: Iterable[NotificationLine] = (),
    reason: str = "",
    reorder_note: str = "",
    choices_note: str = "",
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
        reorder_note=reorder_note,
        choices_note=choices_note,
    )
