"""What happened to each waiting line since the last plan: history events and what to tell customers.

Compared with the previous queue: a new line is a confirmation; an ETA that moves later, disappears or
passed without allocation is a delay; stock allocated to the whole line is ship-soon; a waiting line
cancelled is a cancellation; an ETA found for a line that had none is news worth a reminder. Events
carry what an email needs: the lines, old and new ETA and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from connector.engine.detection import Departure
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Money,
    NotificationKind,
    NotificationLine,
    OrderLine,
)

__all__ = ["LineNotice", "departure_events", "entry_events"]


@dataclass(frozen=True, slots=True)
class LineNotice:
    """One line's part of a customer notification; the plan groups them per order and kind."""

    order_id: str
    kind: NotificationKind
    line: NotificationLine
    reason: str = ""


def _line(
    entry: BackorderEntry, title: str, price: Money | None, units: int, old: date | None = None
) -> NotificationLine:
    return NotificationLine(
        line_id=entry.line_id,
        sku=entry.sku,
        title=title,
        quantity=units,
        eta=entry.eta,
        old_eta=old,
        price=price,
    )


def _later(old: date | None, new: date | None) -> bool:
    if old is None:
        return False
    return new is None or new > old


def entry_events(
    entry: BackorderEntry,
    previous: BackorderEntry | None,
    *,
    line: OrderLine,
    shop: str,
    now: datetime,
    today: date,
    why: str,
) -> tuple[list[BackorderEvent], list[LineNotice]]:
    """Events and notices for one line now in the queue, against its previous entry."""
    events: list[BackorderEvent] = []
    notices: list[LineNotice] = []

    def event(
        kind: BackorderEventKind, units: int, old: date | None = None, detail: str = ""
    ) -> None:
        events.append(
            BackorderEvent(
                shop=shop,
                at=now,
                kind=kind,
                sku=entry.sku,
                quantity=units,
                order_id=entry.order_id,
                line_id=entry.line_id,
                customer_email=entry.customer_email,
                eta=entry.eta,
                old_eta=old,
                detail=detail,
            )
        )

    if previous is None:
        kind = (
            NotificationKind.PREORDER_CONFIRMATION
            if entry.preorder
            else NotificationKind.BACKORDER_CONFIRMATION
        )
        event(BackorderEventKind.DETECTED, entry.waiting + entry.allocated, detail=why)
        notices.append(
            LineNotice(
                entry.order_id, kind, _line(entry, line.title, line.price, entry.waiting), why
            )
        )
        return events, notices
    gained = entry.allocated - previous.allocated
    if gained > 0:
        event(BackorderEventKind.ALLOCATED, gained, previous.eta, "stock arrived")
        if entry.waiting == 0:
            units = entry.allocated
            notices.append(
                LineNotice(
                    entry.order_id,
                    NotificationKind.SHIP_SOON,
                    _line(entry, line.title, line.price, units, previous.eta),
                    "stock allocated",
                )
            )
    if entry.waiting == 0:
        return events, notices
    old, new = previous.eta, entry.eta
    passed = old is not None and old < today and new == old
    if _later(old, new) or passed:
        event(BackorderEventKind.DELAYED, entry.waiting, old, why)
        notices.append(
            LineNotice(
                entry.order_id,
                NotificationKind.DELAY,
                _line(entry, line.title, line.price, entry.waiting, old),
                why,
            )
        )
    elif old != new:
        event(BackorderEventKind.ETA_SET, entry.waiting, old, why)
        if old is None:
            notices.append(
                LineNotice(
                    entry.order_id,
                    NotificationKind.REMINDER,
                    _line(entry, line.title, line.price, entry.waiting, old),
                    "a delivery date is known now",
                )
            )
    return events, notices


def departure_events(
    departure: Departure, shop: str, now: datetime, title: str, price: Money | None
) -> tuple[list[BackorderEvent], list[LineNotice]]:
    """Events for units that left the queue; a waiting line cancelled whole is told to its customer."""
    entry = departure.entry
    detail = "shipped" if departure.kind is BackorderEventKind.SHIPPED else "cancelled or refunded"
    events = [
        BackorderEvent(
            shop=shop,
            at=now,
            kind=departure.kind,
            sku=entry.sku,
            quantity=departure.units,
            order_id=entry.order_id,
            line_id=entry.line_id,
            customer_email=entry.customer_email,
            eta=entry.eta,
            detail=detail,
        )
    ]
    notices: list[LineNotice] = []
    if departure.kind is BackorderEventKind.CANCELLED and departure.whole_line and entry.waiting:
        notices.append(
            LineNotice(
                entry.order_id,
                NotificationKind.CANCELLATION,
                NotificationLine(
                    line_id=entry.line_id,
                    sku=entry.sku,
                    title=title,
                    quantity=departure.units,
                    eta=None,
                    old_eta=entry.eta,
                    price=price,
                ),
                "the waiting line was cancelled",
            )
        )
    return events, notices
