"""The engine check of a shop too big for a second, cold engine: a share of its orders per check.

On the demo's WooCommerce sandbox with ``engine_check_orders`` set below the shop's order count:
every check compares the next share (orders, the variants they sell, their waiting lines) with the
database; over ``ceil(orders / share)`` checks every order is compared; a change stored behind the
engine's back is found in whichever share holds it, logged with its id, counted, and the engine
rebuilt (after which a cold plan of the database has nothing left to do).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from connector.daemon import Daemon
from connector.warm_check import CHECK_CURSOR
from connector.warm_engine import ShopEngine
from tests.daemon.test_warm_daemon import SHOP, _cold, woo  # noqa: F401 (the fixture)

SHARE = 5


@pytest.fixture
def daemon(woo: SimpleNamespace) -> Iterator[Daemon]:  # noqa: F811
    settings = woo.settings
    small = replace(settings, schedule=replace(settings.schedule, engine_check_orders=SHARE))
    made = Daemon(small, woo.db, clock=woo.clock, renew_every=0)
    try:
        yield made
    finally:
        made.close()


def _warm(daemon: Daemon) -> ShopEngine:
    """The first cycle: the warm engine built."""
    daemon.run_once(deliver=False)
    warm = daemon.warm_engine(SHOP)
    assert warm is not None and warm.engine is not None
    return warm


def _check(woo: SimpleNamespace, daemon: Daemon) -> None:  # noqa: F811
    woo.clock.advance(timedelta(hours=1))
    report = daemon.run_once(deliver=False)[SHOP]
    assert report is not None and report.ok


def test_each_check_compares_the_next_share_and_all_are_covered_in_turn(
    woo: SimpleNamespace,  # noqa: F811
    daemon: Daemon,
) -> None:
    warm = _warm(daemon)
    assert warm.engine is not None
    orders = sorted(warm.engine.held_orders())
    assert len(orders) > SHARE  # the demo shop is "big" at this setting
    checks = math.ceil(len(orders) / SHARE)

    cursors = []
    for _ in range(checks):
        _check(woo, daemon)
        cursors.append(woo.db.get_cursor(SHOP, CHECK_CURSOR))

    assert warm.checks == checks and warm.differences == 0 and warm.builds == 1
    assert daemon.metrics.get("connector_engine_checks_total", shop=SHOP, outcome="same") == checks
    # Each share ends SHARE ids further on; the last goes round to the start.
    assert cursors[:-1] == [orders[SHARE * n - 1] for n in range(1, checks)]
    assert _cold(woo).is_empty


def test_a_change_behind_the_engines_back_is_found_in_its_share_and_the_engine_rebuilt(
    woo: SimpleNamespace,  # noqa: F811
    daemon: Daemon,
    caplog: pytest.LogCaptureFixture,
) -> None:
    warm = _warm(daemon)
    assert warm.engine is not None
    orders = sorted(warm.engine.held_orders())
    # An order in the second share changed in the database only (as a process that stored it
    # without telling the engine would leave it): the first check does not see it, the second does.
    target = orders[SHARE + 2]
    stored = woo.db.order(SHOP, target)
    assert stored is not None
    woo.db.upsert_orders([replace(stored, note="changed behind the engine's back")])

    _check(woo, daemon)
    assert warm.differences == 0 and warm.builds == 1
    with caplog.at_level(logging.ERROR):
        _check(woo, daemon)

    assert warm.differences == 1 and warm.builds == 2
    assert daemon.metrics.get("connector_engine_checks_total", shop=SHOP, outcome="different") == 1
    assert f"order {target}" in caplog.text
    rebuilt = warm.engine.held_orders()[target]
    assert rebuilt.note == "changed behind the engine's back"
    assert _cold(woo).is_empty


def test_a_stored_queue_that_lost_a_waiting_line_is_found(
    woo: SimpleNamespace,  # noqa: F811
    daemon: Daemon,
    caplog: pytest.LogCaptureFixture,
) -> None:
    warm = _warm(daemon)
    queue = woo.db.queue(SHOP)
    assert queue, "the demo shop has customers waiting"
    lost = queue[0]
    woo.db.replace_queue(SHOP, [e for e in queue if e.sku == lost.sku and e != lost], [lost.sku])

    with caplog.at_level(logging.ERROR):
        for _ in range(math.ceil(len(warm.engine.held_orders()) / SHARE) if warm.engine else 0):
            _check(woo, daemon)
            if warm.differences:
                break

    assert warm.differences == 1 and f"queue of order {lost.order_id}" in caplog.text
    assert any(e.line_id == lost.line_id for e in woo.db.queue(SHOP))  # the rebuilt plan saved it
