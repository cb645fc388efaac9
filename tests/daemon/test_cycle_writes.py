"""A warm cycle's database writes follow what changed, not the size of the shop (issue 19).

On the WooCommerce sandbox, the statements the cycle sends are counted where SQLAlchemy sends
them: a quiet cycle writes no row of the queue (it used to delete and insert the whole queue), a
cycle with new waiting lines writes only the queues of their SKUs, and the stored queue is always
the plan's queue, the one a cold plan compares against.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event

from connector.daemon import Daemon
from connector.planning import plan_for_shop
from tests.daemon.conftest import demo_woo_shop

SHOP = "shop-w"


@pytest.fixture
def woo(tmp_path: Path, any_db_url: str) -> Iterator[SimpleNamespace]:
    with demo_woo_shop(tmp_path, any_db_url, SHOP) as shop:
        shop.daemon = Daemon(shop.settings, shop.db, clock=shop.clock, renew_every=0)
        shop.written = written = []

        def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            text = " ".join(statement.split()).upper()
            if "BACKORDER_QUEUE" in text and text.startswith(("INSERT", "DELETE")):
                written.append((text.split()[0], cursor.rowcount))  # rows the database changed

        event.listen(shop.db.engine, "after_cursor_execute", count)
        try:
            yield shop
        finally:
            shop.daemon.close()


def _cycle(woo: SimpleNamespace) -> Any:
    woo.written.clear()
    woo.clock.advance(timedelta(minutes=5))
    report = woo.daemon.run_once(deliver=False)[SHOP]
    assert report is not None and report.ok and report.plan is not None
    stored = sorted(woo.db.queue(SHOP), key=lambda e: (e.sku, e.position, e.line_id))
    assert stored == sorted(report.plan.queue, key=lambda e: (e.sku, e.position, e.line_id))
    return report


def test_a_quiet_cycle_writes_no_queue_row_and_a_busy_one_only_the_skus_it_changed(
    woo: SimpleNamespace,
) -> None:
    first = _cycle(woo)
    assert woo.written  # the first plan saves the whole queue: the database's may differ
    assert first.plan.queue, "the demo shop has waiting lines"
    _cycle(woo)  # the re-read of the first cycle's writes

    quiet = _cycle(woo)
    assert quiet.plan.is_empty
    assert woo.written == []

    low = sorted(
        (v for v in woo.db.variants(SHOP) if v.tracked and 0 < v.available < 50 and v.sku),
        key=lambda v: v.sku,
    )[0]
    woo.store.place_order("ada@example.com", [(low.sku, low.available + 2)], checkout=False)
    busy = _cycle(woo)
    skus = {e.sku for e in busy.plan.queue}
    assert low.sku in skus and len(skus) > 1
    deleted = sum(1 for verb, _ in woo.written if verb == "DELETE")
    inserted = sum(rows for verb, rows in woo.written if verb == "INSERT")
    assert deleted == 1  # one statement for the changed SKUs' queues, not the shop's
    assert inserted == sum(1 for e in busy.plan.queue if e.sku == low.sku)
    assert plan_for_shop(woo.db, woo.settings, SHOP, woo.clock()).is_empty


def test_a_restarted_daemon_writes_no_queue_row_when_the_stored_queue_stands(
    woo: SimpleNamespace,
) -> None:
    """The engine built at a start reads the stored queue; the first cycle compares against it
    instead of rewriting every row (200k at the benchmark shop: 4 s and 105 MB of RSS)."""
    _cycle(woo)
    _cycle(woo)  # the re-read of the first cycle's writes
    assert _cycle(woo).plan.is_empty
    queued = woo.db.queue(SHOP)
    assert queued
    woo.daemon.close()
    woo.daemon = Daemon(woo.settings, woo.db, clock=woo.clock, renew_every=0)
    restarted = _cycle(woo)
    assert restarted.plan.is_empty
    assert woo.written == []  # nothing deleted, nothing inserted
    assert woo.db.queue(SHOP) == queued
