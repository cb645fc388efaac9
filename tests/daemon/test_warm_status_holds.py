"""Whole orders on hold by status (``on_hold_fully_waiting``) in a daemon with a warm engine.

The daemon judges the status holds from its warm engine: only orders whose order, waiting lines or
recorded state changed are judged again, and no waiting order is read back from the database. What
the shop ends up showing must be what the judgement from the database gives: after every cycle,
:func:`planned_moves` over a cold plan of the database has nothing left to move.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from connector.cycle import CycleReport
from connector.daemon import Daemon
from connector.demo import backordered_skus
from connector.order_status_holds import planned_moves
from connector.planning import plan_for_shop
from connector.sandbox.seed import demo_spec
from tests.daemon.conftest import demo_woo_shop
from tests.e2e.test_woo_status_holds import _in_stock_sku as in_stock_sku

SHOP = "shop-w"


@pytest.fixture
def woo(tmp_path: Path, any_db_url: str) -> Iterator[SimpleNamespace]:
    """The demo's WooCommerce sandbox shop, opted in to status holds; SQLite, then PostgreSQL."""
    with demo_woo_shop(tmp_path, any_db_url, SHOP) as shop:
        plain = shop.settings
        opted = tuple(replace(s, on_hold_fully_waiting=True, max_retries=0) for s in plain.shops)
        shop.plain, shop.settings = plain, replace(plain, shops=opted)
        shop.daemon = Daemon(shop.settings, shop.db, clock=shop.clock, renew_every=0)
        try:
            yield shop
        finally:
            shop.daemon.close()


def _cycle(woo: SimpleNamespace) -> CycleReport:
    woo.clock.advance(timedelta(minutes=5))
    report = woo.daemon.run_once(deliver=False)[SHOP]
    assert report is not None and report.ok
    return report


def _left_to_move(woo: SimpleNamespace) -> list[str]:
    """What the judgement from the database would still move, after a cold plan."""
    plan = plan_for_shop(woo.db, woo.settings, SHOP, woo.clock())
    moves = planned_moves(woo.db, woo.db.engine, SHOP, plan.queue)
    return [f"{m.order_id} {'hold' if m.hold else 'release'}" for m in moves]


def _status(woo: SimpleNamespace, order_id: str) -> str:
    [row] = [o for o in woo.store.state()["orders"] if str(o["id"]) == order_id]
    return str(row["status"])


def test_a_warm_daemon_holds_and_releases_whole_orders_as_the_database_says(
    woo: SimpleNamespace,
) -> None:
    sku = backordered_skus(demo_spec())[0]
    full = woo.store.place_order("ada@example.com", [(sku, 2)], checkout=False)
    mixed = woo.store.place_order(
        "bo@example.com", [(sku, 1), (in_stock_sku(woo.store), 1)], checkout=False
    )
    _cycle(woo)
    warm = woo.daemon.warm_engine(SHOP)
    assert warm is not None and warm.warm
    assert _status(woo, full) == "on-hold"
    assert _status(woo, mixed) == "processing"
    assert _left_to_move(woo) == []

    # A new order in the same process: judged, held; the ones judged before are not moved again.
    later = woo.store.place_order("cy@example.com", [(sku, 1)], checkout=False)
    notes_before = woo.store.state()["notes"].get(full, [])
    _cycle(woo)
    assert _status(woo, later) == "on-hold"
    assert woo.store.state()["notes"].get(full, []) == notes_before
    assert _left_to_move(woo) == []

    # The mixed order is cancelled: no longer open, so never ours to hold.
    woo.store.set_order_status(mixed, "cancelled")
    _cycle(woo)
    assert _status(woo, mixed) == "cancelled"  # not ours to move: it is no longer open
    assert _left_to_move(woo) == []

    # The container arrives: the orders held by status go back to processing.
    woo.store.receive_stock(sku, 500)
    _cycle(woo)
    assert _status(woo, full) == "processing"
    assert _status(woo, later) == "processing"
    assert _left_to_move(woo) == []
    assert warm.builds == 1  # all of it on the one warm engine


def test_a_quiet_cycle_reads_no_waiting_order_back(woo: SimpleNamespace) -> None:
    sku = backordered_skus(demo_spec())[0]
    woo.store.place_order("ada@example.com", [(sku, 2)], checkout=False)
    _cycle(woo)
    _cycle(woo)  # the re-read after our own writes
    read: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM orders " in statement:
            read.append(statement)

    sa.event.listen(woo.db.engine, "before_cursor_execute", seen)
    try:
        woo.clock.advance(timedelta(minutes=10))
        quiet = _cycle(woo)
    finally:
        sa.event.remove(woo.db.engine, "before_cursor_execute", seen)
    # Judged from the database, every waiting order was read back in each cycle.
    assert read == []
    assert quiet.order_results == []  # nothing moved again, nothing asked of the shop
    assert _left_to_move(woo) == []


def test_a_failed_status_write_is_tried_again_by_the_warm_daemon(woo: SimpleNamespace) -> None:
    sku = backordered_skus(demo_spec())[0]
    order = woo.store.place_order("ada@example.com", [(sku, 2)], checkout=False)
    # The line hold first, by a daemon of the shop before it opted in (its own lease, released).
    before = Daemon(woo.plain, woo.db, clock=woo.clock, renew_every=0)
    before.run_once(deliver=False)
    before.close()
    waiting = _left_to_move(woo)
    assert _status(woo, order) == "processing" and f"{order} hold" in waiting

    woo.store.faults.inject("500", 1, path_contains="orders/batch")
    _cycle(woo)
    assert _status(woo, order) == "processing"  # the status write failed, and is not retried
    assert _left_to_move(woo) == waiting
    _cycle(woo)  # the same warm engine, the same order: judged again, as it still needs a move
    assert _status(woo, order) == "on-hold"
    assert _left_to_move(woo) == []
