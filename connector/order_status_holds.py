"""Whole orders on hold by status, for shops with ``on_hold_fully_waiting`` (issue 18).

A line-level hold is private meta warehouse tools never read: they ship what is ``processing``.
For an order whose every line waits, nothing can ship, so the shop's own waiting status says it
to every tool. After each cycle's writes:

- an open order whose every unit still to ship waits in a queue (the plan's queue: units our
  line hold covers) is moved into the waiting status, unless the connector already did so or a
  person changed what the connector did to it;
- an order the connector put there and that no longer fully waits (stock arrived, a line was
  cancelled, the order ended) is moved back.

The table :data:`order_status_holds` records what the connector did, per order: ``held`` (we put
it on hold), ``released`` (we took it back; it may be held again), ``left`` (a person had moved it
or held it: never touched again). The adapter compares before it writes
(:class:`connector.model_status.OrderStatusMover`), so an order a person put on hold is never
taken off hold, and one a person moved elsewhere is never moved back. A failed write changes no
row: the next cycle tries again, and the failure is logged and counted with the cycle's writes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.store import StateStore
from connector.db.store_base import upsert
from connector.db.types import UTCDateTime
from connector.model import BackorderEntry, Order, OrderStatus, WriteResult, WriteStatus
from connector.model_status import OrderStatusMove, OrderStatusMover

__all__ = ["fully_waiting", "hold_by_status", "order_status_holds", "planned_moves"]

log = logging.getLogger(__name__)

HELD, RELEASED, LEFT = "held", "released", "left"

order_status_holds = sa.Table(
    "order_status_holds",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(200), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)


def fully_waiting(
    orders: Iterable[Order], queue: Iterable[BackorderEntry]
) -> dict[str, tuple[tuple[str, int], ...]]:
    """Order id -> its waiting units per line, for the open orders of which every unit still to
    ship waits; orders with a unit that could ship now are left out."""
    waiting: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in queue:
        if entry.waiting > 0:
            waiting[entry.order_id][entry.line_id] += entry.waiting
    out: dict[str, tuple[tuple[str, int], ...]] = {}
    for order in orders:
        lines = waiting.get(order.platform_id)
        to_ship = [line for line in order.lines if line.open_quantity > 0]
        if order.status is not OrderStatus.OPEN or not lines or not to_ship:
            continue
        if all(lines.get(line.platform_id, 0) >= line.open_quantity for line in to_ship):
            out[order.platform_id] = tuple(sorted(lines.items()))
    return out


def _states(conn: sa.Connection, shop: str) -> dict[str, str]:
    t = order_status_holds
    return {
        row.order_id: row.state
        for row in conn.execute(sa.select(t.c.order_id, t.c.state).where(t.c.shop == shop))
    }


def planned_moves(
    store: StateStore,
    engine: sa.Engine,
    shop: str,
    queue: Sequence[BackorderEntry],
    *,
    skip: frozenset[str] = frozenset(),
) -> list[OrderStatusMove]:
    """The moves the next write would make (``connector plan`` shows them too); orders in
    ``skip`` (their line hold just failed to write) wait for the next cycle."""
    with engine.connect() as conn:
        states = _states(conn, shop)
    ids = {entry.order_id for entry in queue} | {o for o, s in states.items() if s == HELD}
    orders = store.orders_by_ids(shop, ids - skip)
    full = fully_waiting(orders, queue)
    moves = [
        OrderStatusMove(shop, order_id, True, lines)
        for order_id, lines in sorted(full.items())
        if states.get(order_id) in (None, RELEASED)
    ]
    moves += [
        OrderStatusMove(shop, order.platform_id, False)
        for order in orders
        if states.get(order.platform_id) == HELD and order.platform_id not in full
    ]
    return moves


def _record(
    engine: sa.Engine,
    moves: Sequence[OrderStatusMove],
    results: Sequence[WriteResult],
    now: datetime,
) -> None:
    rows = []
    for move, result in zip(moves, results, strict=True):
        if result.status is WriteStatus.FAILED:
            continue  # nothing changed in the shop that we know of: the next cycle tries again
        # A conflict: a person moved or held the order; theirs from now on.
        state = LEFT if result.status is WriteStatus.CONFLICT else HELD if move.hold else RELEASED
        rows.append(
            {
                "shop": move.shop,
                "order_id": move.order_id,
                "state": state,
                "changed_at": now,
                "detail": result.message,
            }
        )
    if rows:
        with engine.begin() as conn:
            upsert(conn, order_status_holds, rows)


def hold_by_status(
    store: StateStore,
    engine: sa.Engine,
    adapter: object,
    shop: str,
    *,
    queue: Sequence[BackorderEntry],
    now: datetime,
    skip: frozenset[str] = frozenset(),
) -> list[WriteResult]:
    """The cycle's step: make the moves and record what happened; the results to report with
    the cycle's writes (a person's hold or move is logged and recorded, not reported)."""
    if not isinstance(adapter, OrderStatusMover):
        return []
    moves = planned_moves(store, engine, shop, queue, skip=skip)
    if not moves:
        return []
    results = adapter.move_order_statuses(moves)
    _record(engine, moves, results, now)
    for move, result in zip(moves, results, strict=True):
        if result.status is not WriteStatus.FAILED:
            log.info(
                "%s: order %s %s: %s%s",
                shop,
                move.order_id,
                "on hold" if move.hold else "off hold",
                result.status.value,
                f" ({result.message})" if result.message else "",
            )
    # A conflict is a person's decision, recorded and respected, not a failed write to report.
    return [r for r in results if r.status is not WriteStatus.CONFLICT]
