"""The owner's daily digest: what the last day's backorder history says, as one email a day."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.engine.reorder import ReorderSuggestion
from connector.model import BackorderEventKind, Notification, NotificationKind, NotificationLine
from connector.settings import ShopSettings

__all__ = ["build_digest", "local_date", "reorder_line", "shop_zone"]

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
    words = _REORDER.get((shop.locale or "en").split("_")[0].split("-")[0], _REORDER["en"])
    first = min(s.order_by for s in due).isoformat()
    return words.format(units=sum(s.units for s in due), skus=len(due), first=first)


def build_digest(
    shop: ShopSettings,
    owner_email: str,
    events: Iterable[Any],
    now: datetime,
    reorder: Sequence[ReorderSuggestion] = (),
) -> Notification | None:
    """The owner's digest from the last day's history: new backorders, delays, stopped selling.

    Lines follow the digest template's convention: ``old_eta`` set is a delay, quantity 0 is an
    item that stopped selling, anything else a new backorder. None when nothing happened or when
    no owner address is configured (the digest is off). ``promised_date`` is the shop's local
    date, which the outbox keys digests on: one digest per shop and day, whoever builds it.
    The reorder suggestions due within a week add one line (:func:`reorder_line`, in ``reason``)
    to a digest that goes out; alone they send none, so a quiet day stays quiet.
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
    if not lines:
        return None
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
        reason=reorder_line(shop, reorder, now),
    )
