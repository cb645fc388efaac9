"""A shop whose report takes a second or more is refreshed on the views' worker, not on the
cycle's thread: the cycle returns with the last numbers still shown, the new ones are swapped in
whole when ready, and the overview's charts get them with the next run's row."""

from __future__ import annotations

from datetime import timedelta

from connector.cycle_report import report_series
from connector.daemon_metrics import REPORT_EVERY
from connector.daemon_views import BACKGROUND_FROM, headline
from tests.web.test_console import Console, console  # noqa: F401
from tests.web.test_console_warm import add_supply


def test_a_slow_report_is_worked_out_off_the_cycle_and_charted_with_the_next_run(
    console: Console,  # noqa: F811
) -> None:
    views = console.daemon.views
    assert views is not None
    start = console.clock()
    first = console.daemon.work_shop("outlet")
    assert first is not None and first.ok and first.headline  # quick: on the cycle's thread
    shown = views.get("outlet")
    assert shown is not None and shown.report is not None and shown.reorder is not None
    # Pretend working it out took long: the next refresh goes to the worker.
    views.publish("outlet", reorder_took=BACKGROUND_FROM)
    add_supply(console, "SUP-9", 40)
    console.clock.advance(REPORT_EVERY)
    second = console.daemon.work_shop("outlet")
    assert second is not None and second.ok and not second.headline
    views.drain()
    fresh = views.get("outlet")
    assert fresh is not None and fresh.reorder_at == console.clock()
    assert fresh.report is not None and fresh.report is not shown.report
    assert fresh.reorder is not None and fresh.reorder != shown.reorder  # the new PO counts
    console.clock.advance(timedelta(minutes=1))
    third = console.daemon.work_shop("outlet")
    assert third is not None and third.headline == headline(fresh.report)
    charted = [at for at, _ in report_series(console.db.engine, "outlet", start)]
    assert first.started_at in charted and second.started_at not in charted
    assert charted[-1] == third.started_at
