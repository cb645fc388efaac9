"""What :func:`connector.reports.shop_report` reads of the state database, summed or narrowed by
the database over the report's window.

The report used to load every order of the window with its lines (the whole shop on a busy one:
a million lines at the engine benchmark's size), then each waiting line's order one query at a
time, to count lines and look up a few dates and prices: 73 s on SQLite, 435 s on PostgreSQL.
Here the database counts the window's lines, and only the columns the report uses are read for
the window's events, the waiting lines and the served lines' order dates.

Which orders count is what the loading version counted: those placed in the window and either
updated in it or named by the queue or by an event of the window (``_counted``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from connector.db import schema as t
from connector.model import BackorderEntry, BackorderEvent, BackorderEventKind

__all__ = [
    "ordered_in_window",
    "report_events",
    "scanned",
    "served_ordered_at",
    "waiting_with_prices",
]

_KINDS = (
    BackorderEventKind.DETECTED.value,
    BackorderEventKind.ALLOCATED.value,
    BackorderEventKind.CANCELLED.value,
)
"""The only kinds the report's numbers read."""


def _counted(shop: str, since: datetime) -> sa.ColumnElement[bool]:
    """An order the report reads: updated since ``since``, or named by the queue or by an event
    since then (an old order still waiting, or served in the window)."""
    o, q, e = t.orders, t.backorder_queue, t.backorder_events
    return sa.or_(
        o.c.updated_at >= since,
        o.c.platform_id.in_(sa.select(q.c.order_id).where(q.c.shop == shop)),
        o.c.platform_id.in_(
            sa.select(e.c.order_id).where(e.c.shop == shop, e.c.at >= since, e.c.order_id != "")
        ),
    )


def ordered_in_window(
    conn: sa.Connection, shop: str, since: datetime, until: datetime
) -> tuple[int, int]:
    """(lines, units) of the orders placed in [since, until] that the report reads."""
    o, line = t.orders, t.order_lines
    placed = sa.select(o.c.platform_id).where(
        o.c.shop == shop, o.c.created_at >= since, o.c.created_at <= until, _counted(shop, since)
    )
    query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(line.c.quantity), 0)).where(
        scanned(conn, line.c.shop) == shop, line.c.order_id.in_(placed)
    )
    lines, units = conn.execute(query).one()
    return int(lines), int(units)


def scanned(conn: sa.Connection, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """``column`` as SQLite must not look it up by index: for most of a shop's order lines,
    SQLite otherwise walks ``ix_order_lines_sku`` and fetches each line from the table at
    random (9.5 s for a million lines, against 2.7 s reading the table through)."""
    return column + "" if conn.dialect.name == "sqlite" else column


def report_events(
    conn: sa.Connection, shop: str, since: datetime, until: datetime
) -> list[BackorderEvent]:
    """The window's detections, allocations and cancellations, oldest first (ties in the order
    they were appended), with only the fields the report reads."""
    e = t.backorder_events
    query = (
        sa.select(e.c.at, e.c.kind, e.c.sku, e.c.quantity, e.c.order_id, e.c.line_id, e.c.eta)
        .where(e.c.shop == shop, e.c.at >= since, e.c.at <= until, e.c.kind.in_(_KINDS))
        .order_by(e.c.at, e.c.id)
    )
    kinds = {kind.value: kind for kind in BackorderEventKind}
    return [
        BackorderEvent(
            shop=shop,
            at=at,
            kind=kinds[kind],
            sku=sku,
            quantity=quantity,
            order_id=order_id,
            line_id=line_id,
            eta=eta,
        )
        for at, kind, sku, quantity, order_id, line_id, eta in conn.execute(query)
    ]


def served_ordered_at(
    conn: sa.Connection, shop: str, since: datetime, until: datetime
) -> dict[str, datetime]:
    """Line id -> when its order was placed, for the lines allocated in the window (an event
    names its line's order, so the order is one the report reads)."""
    o, line, e = t.orders, t.order_lines, t.backorder_events
    served = (
        sa.select(e.c.order_id, e.c.line_id)
        .where(
            e.c.shop == shop,
            e.c.at >= since,
            e.c.at <= until,
            e.c.kind == BackorderEventKind.ALLOCATED.value,
            e.c.order_id != "",
        )
        .distinct()
        .subquery()
    )
    query = (
        sa.select(line.c.platform_id, o.c.created_at)
        .select_from(served)
        .join(
            line,
            sa.and_(
                line.c.shop == shop,
                line.c.order_id == served.c.order_id,
                line.c.platform_id == served.c.line_id,
            ),
        )
        .join(o, sa.and_(o.c.shop == shop, o.c.platform_id == line.c.order_id))
    )
    return {row[0]: row[1] for row in conn.execute(query)}


def waiting_with_prices(
    conn: sa.Connection, shop: str
) -> tuple[list[BackorderEntry], dict[str, tuple[Decimal, str]]]:
    """The queue's waiting lines (the fields the report reads, in no particular order: the
    report only sums and counts them) and each one's price as its order line says (amount,
    currency). Orders are never deleted and their lines are written with them, so a stored line
    is one of a stored order; a waiting line of an order not stored has no price."""
    q, line = t.backorder_queue, t.order_lines
    query = (
        sa.select(
            q.c.sku,
            q.c.order_id,
            q.c.line_id,
            q.c.ordered_at,
            q.c.waiting,
            line.c.price,
            line.c.currency,
        )
        .select_from(q)
        .outerjoin(
            line,
            sa.and_(
                line.c.shop == q.c.shop,
                line.c.order_id == q.c.order_id,
                line.c.platform_id == q.c.line_id,
            ),
        )
        .where(q.c.shop == shop, q.c.waiting != 0)
    )
    entries: list[BackorderEntry] = []
    prices: dict[str, tuple[Decimal, str]] = {}
    for sku, order_id, line_id, ordered_at, waiting, price, currency in conn.execute(query):
        entries.append(
            BackorderEntry(
                shop=shop,
                sku=sku,
                order_id=order_id,
                line_id=line_id,
                customer_email="",
                ordered_at=ordered_at,
                waiting=waiting,
            )
        )
        if price is not None:
            prices[line_id] = (price, currency)
    return entries, prices
