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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.store import StateStore
from connector.db.store_base import upsert
from connector.db.types import UTCDateTime
from connector.model import BackorderEntry, Order, OrderStatus, WriteResult, WriteStatus
from connector.model_status import OrderStatusMove, OrderStatusMover

__all__ = [
    "StatusHoldMemory",
    "WarmOrders",
    "fully_waiting",
    "hold_by_status",
    "order_status_holds",
    "planned_moves",
    "warm_moves",
]

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
    by_order: dict[str, list[BackorderEntry]] = defaultdict(list)
    for entry in queue:
        by_order[entry.order_id].append(entry)
    out: dict[str, tuple[tuple[str, int], ...]] = {}
    for order in orders:
        lines = _fully_waits(order, _units(by_order.get(order.platform_id, ())))
        if lines is not None:
            out[order.platform_id] = lines
    return out


def _fully_waits(
    order: Order, waiting: Mapping[str, int] | None
) -> tuple[tuple[str, int], ...] | None:
    """The waiting units per line of ``order`` when every unit it still has to ship waits (its
    ``waiting`` units per line id), else None."""
    to_ship = [line for line in order.lines if line.open_quantity > 0]
    if order.status is not OrderStatus.OPEN or not waiting or not to_ship:
        return None
    if all(waiting.get(line.platform_id, 0) >= line.open_quantity for line in to_ship):
        return tuple(sorted(waiting.items()))
    return None


def _move(
    shop: str, order_id: str, lines: tuple[tuple[str, int], ...] | None, state: str | None
) -> OrderStatusMove | None:
    """The move an order needs: on hold when it fully waits (``lines``) and we may hold it, off
    hold when we held it and it no longer does; None when it stays as it is."""
    if lines is not None and state in (None, RELEASED):
        return OrderStatusMove(shop, order_id, True, lines)
    if lines is None and state == HELD:
        return OrderStatusMove(shop, order_id, False)
    return None


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
    judged = [
        _move(shop, o.platform_id, full.get(o.platform_id), states.get(o.platform_id))
        for o in orders
    ]
    holds = sorted((m for m in judged if m is not None and m.hold), key=lambda m: m.order_id)
    return [*holds, *(m for m in judged if m is not None and not m.hold)]


class StatusHoldMemory:
    """One shop's status holds as this process last recorded and judged them, kept between the
    cycles of a warm engine (:class:`WarmOrders`), so that a cycle judges only the orders whose
    order, waiting lines or recorded state changed.

    Without it every cycle read every waiting order back from the database and judged it again,
    a cost that grew with the waiting orders (0.25 s of a 0.29 s quiet cycle at 7k waiting
    lines; 0.04 s with it, docs/woocommerce.md). Only this process
    writes the shop's rows while it holds the lease; its owner forgets them when that may no
    longer be so (the lease changed hands, the engine was dropped).
    """

    def __init__(self) -> None:
        self.states: dict[str, str] | None = None
        """Order id -> state as recorded (None: read at the next use)."""
        self.judged: dict[str, tuple[Order, tuple[BackorderEntry, ...]]] = {}
        """Order id -> the order and waiting entries it was last judged on and needed no move
        for. The warm engine hands out the same objects until something of theirs changes."""

    def forget(self) -> None:
        self.states = None
        self.judged = {}

    def recorded(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """``rows`` were written to :data:`order_status_holds`."""
        if self.states is None:
            return
        for row in rows:
            self.states[row["order_id"]] = row["state"]


@dataclass(frozen=True)
class WarmOrders:
    """What a warm engine holds, to judge status holds from: its orders and, per order, the
    entries that wait (each the same object until a plan changes it), and the shop's memory."""

    orders: Mapping[str, Order]
    waiting: Mapping[str, tuple[BackorderEntry, ...]]
    memory: StatusHoldMemory


def warm_moves(
    store: StateStore,
    engine: sa.Engine,
    shop: str,
    warm: WarmOrders,
    *,
    skip: frozenset[str] = frozenset(),
) -> list[OrderStatusMove]:
    """:func:`planned_moves` from a warm engine: the same moves, in the same order, judging again
    only the orders whose order or waiting entries are not the ones judged last time."""
    memory = warm.memory
    if memory.states is None:
        with engine.connect() as conn:
            memory.states = _states(conn, shop)
        memory.judged = {}
    states, waiting, orders = memory.states, warm.waiting, warm.orders
    held = (o for o, state in states.items() if state == HELD and o not in waiting)
    before, judged = memory.judged, {}
    to_judge: list[tuple[Order, tuple[BackorderEntry, ...]]] = []
    unheld: list[str] = []  # not held by the engine (it left the engine's window): read
    for order_id in chain(waiting, held):
        if order_id in skip:
            continue
        order = orders.get(order_id)
        if order is None:
            unheld.append(order_id)
            continue
        entries = waiting.get(order_id, ())
        last = before.get(order_id)
        if last is not None and last[0] is order and last[1] is entries:
            judged[order_id] = last
        else:
            to_judge.append((order, entries))
    for order in store.orders_by_ids(shop, unheld) if unheld else ():
        to_judge.append((order, waiting.get(order.platform_id, ())))
    holds: list[OrderStatusMove] = []
    releases: list[tuple[Order, OrderStatusMove]] = []
    for order, entries in to_judge:
        order_id = order.platform_id
        move = _move(shop, order_id, _fully_waits(order, _units(entries)), states.get(order_id))
        if move is None:
            judged[order_id] = (order, entries)
        elif move.hold:
            holds.append(move)
        else:
            releases.append((order, move))
    memory.judged = judged
    holds.sort(key=lambda move: move.order_id)
    releases.sort(key=lambda pair: (pair[0].created_at, pair[0].platform_id))
    return [*holds, *(move for _, move in releases)]


def _units(entries: Iterable[BackorderEntry]) -> dict[str, int]:
    """Waiting units per line id."""
    units: dict[str, int] = {}
    for entry in entries:
        if entry.waiting > 0:
            units[entry.line_id] = units.get(entry.line_id, 0) + entry.waiting
    return units


def _record(
    engine: sa.Engine,
    moves: Sequence[OrderStatusMove],
    results: Sequence[WriteResult],
    now: datetime,
) -> list[dict[str, Any]]:
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
    return rows


def hold_by_status(
    store: StateStore,
    engine: sa.Engine,
    adapter: object,
    shop: str,
    *,
    queue: Sequence[BackorderEntry],
    now: datetime,
    skip: frozenset[str] = frozenset(),
    warm: WarmOrders | None = None,
) -> list[WriteResult]:
    """The cycle's step: make the moves and record what happened; the results to report with
    the cycle's writes (a person's hold or move is logged and recorded, not reported). With
    ``warm``, judged from the warm engine (:func:`warm_moves`), else from the database."""
    if not isinstance(adapter, OrderStatusMover):
        return []
    if warm is not None:
        moves = warm_moves(store, engine, shop, warm, skip=skip)
    else:
        moves = planned_moves(store, engine, shop, queue, skip=skip)
    if not moves:
        return []
    results = adapter.move_order_statuses(moves)
    rows = _record(engine, moves, results, now)
    if warm is not None:
        warm.memory.recorded(rows)
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
