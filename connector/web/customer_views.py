"""What the customer page shows, as plain views over the story and the records: each line with its
queue place, the latest cancel, and each line's swap (its alternatives while none is asked, else
where the swap stands)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from connector.db.store import StateStore
from connector.model import Money
from connector.status import OrderStory
from connector.web.customer_cancel import CancelRecord
from connector.web.customer_swap import alternatives, waiting_units
from connector.web.swap_tables import swaps_for
from connector.web.tables import CancelState

__all__ = ["LineView", "cancel_view", "latest_promise", "line_views", "swap_view"]


@dataclass(frozen=True, slots=True)
class LineView:
    """One order line as the customer reads it."""

    title: str
    quantity: int
    shipped: int
    cancelled: int
    waiting: int
    eta: date | None
    ahead: int | None
    """Orders in line before this one for the same item (None when the line does not wait)."""
    preorder: bool


def latest_promise(lines: Iterable[LineView]) -> date | None:
    """The date the whole wait ends: the latest ETA among waiting lines (None: none dated)."""
    return max((line.eta for line in lines if line.waiting and line.eta), default=None)


def line_views(story: OrderStory) -> list[LineView]:
    """The order's lines with their queue places: one row per line, waiting units summed."""
    waits: dict[str, tuple[int, date | None, int]] = {}
    for entry in story.queue:
        units, eta, position = waits.get(entry.line_id, (0, None, entry.position))
        later = max(filter(None, (eta, entry.eta)), default=None)
        waits[entry.line_id] = (units + entry.waiting, later, min(position, entry.position))
    views = []
    for line in story.order.lines:
        units, eta, position = waits.get(line.platform_id, (0, None, 0))
        views.append(
            LineView(
                title=line.title or line.sku,
                quantity=line.quantity,
                shipped=line.fulfilled,
                cancelled=line.cancelled,
                waiting=units,
                eta=eta,
                ahead=max(position - 1, 0) if units else None,
                preorder=line.preorder,
            )
        )
    return views


def cancel_view(cancels: list[CancelRecord], *, offered: bool) -> dict[str, Any]:
    """The latest cancel as the customer reads it, and whether the button is shown."""
    latest = next((c for c in reversed(cancels) if c.state != CancelState.DECLINED), None)
    declined = bool(cancels) and cancels[-1].state == CancelState.DECLINED
    if latest is None:
        return {"state": "declined" if declined else "", "offered": offered and not declined}
    return {
        "state": latest.state,
        "offered": False,  # asked once: what happens next is shown instead
        "asked": latest.requested_at.date(),
        "done": latest.updated_at.date(),
        "refund": latest.refund,
        "amount": _money(latest.amount, latest.currency),
        "owed": _money(latest.owed, latest.currency),
    }


def _money(amount: Decimal | None, currency: str) -> Money | None:
    """Money worth saying (above zero, in a real currency), else None."""
    if amount is None or amount <= 0 or len(currency) != 3:
        return None
    return Money(amount, currency)


def swap_view(
    engine: sa.Engine,
    store: StateStore,
    story: OrderStory,
    patterns: tuple[str, ...],
    *,
    offered: bool,
) -> list[dict[str, Any]]:
    """One row per line swapped or swappable: the alternatives on offer, or the swap asked."""
    order = story.order
    records = {r.line_id: r for r in swaps_for(engine, order.shop, order.platform_id)}
    rows: list[dict[str, Any]] = []
    waiting = waiting_units(story.queue)
    for line in order.lines:
        record = records.get(line.platform_id)
        if record is not None:
            rows.append(
                {
                    "line": line.platform_id,
                    "title": record.old_title,
                    "units": record.units,
                    "state": record.state,
                    "new_title": record.title,
                    "asked": record.requested_at.date(),
                    "done": record.updated_at.date(),
                    "amount": _money(record.amount, record.currency),
                    "owed": _money(record.owed, record.currency),
                    "alternatives": [],
                }
            )
            continue
        units = waiting.get(line.platform_id, 0)
        if not offered or not units:
            continue
        found = alternatives(store, order, line.platform_id, units, patterns)
        if found:
            rows.append(
                {
                    "line": line.platform_id,
                    "title": line.title or line.sku,
                    "units": units,
                    "state": "",
                    "alternatives": found,
                }
            )
    return rows
