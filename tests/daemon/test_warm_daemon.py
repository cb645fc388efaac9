"""The daemon's warm engine on a real WooCommerce sandbox, and webhooks acted on mid-cycle.

* Cycles after the first plan on the warm engine, fed only what each sync, webhook re-read and PO
  change brought in; after every cycle a cold plan of the database has nothing left to do, and the
  hourly check finds the warm and cold plans the same.
* A daemon that gets a shop back after another daemon held it rebuilds its engine.
* A webhook delivery that arrives while a cycle runs is handled right after that cycle, not at the
  next tick (APScheduler refuses a second run of a running job).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connector.daemon import Daemon
from connector.lease import release
from connector.model import Plan, PurchaseOrder
from connector.planning import plan_for_shop
from connector.resync_queue import pending_resyncs
from connector.sandbox.base import SandboxServer
from connector.scheduler import Scheduler
from connector.settings import Settings
from tests.daemon.conftest import demo_woo_shop

SHOP = "shop-w"


@pytest.fixture
def woo(tmp_path: Path, any_db_url: str) -> Iterator[SimpleNamespace]:
    """The demo's WooCommerce sandbox shop and a state database (SQLite, then PostgreSQL)."""
    daemons: list[Daemon] = []
    with demo_woo_shop(tmp_path, any_db_url, SHOP) as shop:

        def daemon(**kw: Any) -> Daemon:
            made = Daemon(shop.settings, shop.db, clock=shop.clock, renew_every=0, **kw)
            daemons.append(made)
            return made

        shop.daemon = daemon
        try:
            yield shop
        finally:
            for made in daemons:
                made.close()


def _cold(woo: SimpleNamespace) -> Plan:
    settings: Settings = woo.settings
    return plan_for_shop(woo.db, settings, SHOP, woo.clock())


def test_warm_cycles_leave_what_a_cold_plan_would_do_and_the_check_agrees(
    woo: SimpleNamespace,
) -> None:
    daemon = woo.daemon()
    first = daemon.run_once(deliver=False)[SHOP]
    assert first is not None and first.ok
    warm = daemon.warm_engine(SHOP)
    assert warm is not None and warm.builds == 1
    assert _cold(woo).is_empty

    # Sell past the stock of two SKUs: lines wait, holds and emails follow, from the warm engine.
    low = sorted(
        (v for v in woo.db.variants(SHOP) if v.tracked and 0 < v.available < 50 and v.sku),
        key=lambda v: v.sku,
    )[:2]
    assert len(low) == 2
    for variant in low:
        woo.store.place_order(
            "ada@example.com", [(variant.sku, variant.available + 2)], checkout=False
        )
    woo.clock.advance(timedelta(minutes=5))
    busy = daemon.run_once(deliver=False)[SHOP]
    assert busy is not None and busy.ok and busy.plan is not None
    assert {e.sku for e in busy.plan.queue} >= {v.sku for v in low}
    assert busy.plan.order_actions and busy.plan.notifications
    assert _cold(woo).is_empty

    # A purchase order recorded by `connector po add` (outside the cycle) dates the waiting lines.
    woo.db.add_purchase_order(
        PurchaseOrder(
            id="PO-1",
            shop=SHOP,
            sku=low[0].sku,
            quantity=10,
            expected_date=woo.clock().date() + timedelta(days=12),
        )
    )
    woo.clock.advance(timedelta(minutes=5))
    dated = daemon.run_once(deliver=False)[SHOP]
    assert dated is not None and dated.plan is not None
    assert any(e.eta is not None and e.sku == low[0].sku for e in dated.plan.queue)
    assert _cold(woo).is_empty

    # A quiet cycle plans nothing, and an hour on the check compares warm with cold: the same.
    woo.clock.advance(timedelta(minutes=5))
    quiet = daemon.run_once(deliver=False)[SHOP]
    assert quiet is not None and quiet.plan is not None and quiet.plan.is_empty
    woo.clock.advance(timedelta(hours=1))
    daemon.run_once(deliver=False)
    assert warm.builds == 1 and warm.checks == 1 and warm.differences == 0
    assert daemon.metrics.get("connector_engine_checks_total", shop=SHOP, outcome="same") == 1
    assert _cold(woo).is_empty


def test_a_daemon_that_gets_a_shop_back_rebuilds_its_engine(woo: SimpleNamespace) -> None:
    first, second = woo.daemon(), woo.daemon()
    first.run_once(deliver=False)
    warm = first.warm_engine(SHOP)
    assert warm is not None and warm.builds == 1 and warm.warm

    # The other daemon takes the shop and changes it: a new order is now in the database.
    release(woo.db.engine, SHOP, first.holder, woo.clock())
    sku = next(v.sku for v in woo.db.variants(SHOP) if v.tracked and v.available > 3 and v.sku)
    order_id = woo.store.place_order("ben@example.com", [(sku, 1)])
    woo.clock.advance(timedelta(minutes=5))
    second.run_once(deliver=False)
    assert woo.db.order(SHOP, order_id) is not None

    release(woo.db.engine, SHOP, second.holder, woo.clock())
    woo.clock.advance(timedelta(minutes=5))
    again = first.run_once(deliver=False)[SHOP]
    assert again is not None and again.ok
    assert warm.builds == 2  # rebuilt from the database, so it knows the other daemon's work
    assert _cold(woo).is_empty


def _wait_for(condition: Callable[[], object], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_webhook_that_arrives_during_a_cycle_is_handled_right_after_it(
    woo: SimpleNamespace,
) -> None:
    in_cycle, go = threading.Event(), threading.Event()
    calls: list[datetime] = []

    def planner(db: Any, settings: Settings, shop: str, now: datetime) -> Plan:
        calls.append(now)
        if len(calls) == 2:  # the scheduled cycle: hold it until the delivery was answered
            in_cycle.set()
            go.wait(30)
        return plan_for_shop(db, settings, shop, now)

    daemon = woo.daemon(planner=planner)
    server = SandboxServer(daemon.webhook_app()).start()
    daemon.callback_base = server.base_url
    scheduler = Scheduler()
    try:
        assert daemon.repair_webhooks(SHOP)
        daemon.run_once(deliver=False)  # the first sync (planner call 1)
        daemon.schedule(scheduler)
        scheduler.start()  # the shop's first scheduled cycle starts at once
        assert in_cycle.wait(30)

        sku = next(v.sku for v in woo.db.variants(SHOP) if v.available > 3 and v.sku)
        order_id = woo.store.place_order("cy@example.com", [(sku, 1)])
        assert woo.store.deliver_webhooks() >= 1  # a real signed POST to the daemon, mid-cycle
        queued = {i for p in pending_resyncs(woo.db.engine, SHOP) for i in p.target.order_ids}
        assert order_id in queued
        go.set()

        # The next tick is five minutes away: only the re-run reads the order this soon.
        assert _wait_for(lambda: len(calls) >= 3)
        assert not pending_resyncs(woo.db.engine, SHOP)
        assert woo.db.order(SHOP, order_id) is not None
    finally:
        go.set()
        scheduler.stop(wait=True)
        server.stop()


def test_engine_check_minutes_must_not_be_negative() -> None:
    from connector.config import parse_settings
    from connector.errors import ConfigError

    shop = {
        "name": "outlet",
        "platform": "woocommerce",
        "url": "https://outlet.example.com",
        "consumer_key": "env:WC_KEY",
        "consumer_secret": "env:WC_SECRET",
    }
    env = {"WC_KEY": "ck_1", "WC_SECRET": "cs_1"}
    with pytest.raises(ConfigError) as caught:
        parse_settings({"shops": [shop], "schedule": {"engine_check_minutes": -1}}, env, "t.toml")
    assert {p.key for p in caught.value.problems} == {"schedule.engine_check_minutes"}
    fine = parse_settings({"shops": [shop], "schedule": {"engine_check_minutes": 0}}, env, "t.toml")
    assert fine.schedule.engine_check_minutes == 0


def test_the_console_report_is_worked_out_after_cycles_only_when_a_console_shows_it(
    woo: SimpleNamespace,
) -> None:
    """Without ``[console]`` no one reads the report a cycle would work out afterwards (a minute
    and a copy of every order of 90 days on the benchmark shop): the run keeps no headline for
    the console's charts. With a console, the run keeps it, as before."""
    from dataclasses import replace

    from connector.cycle_report import report_series
    from connector.settings import ConsoleSettings, ConsoleUser, Secret

    plain = woo.daemon()
    first = plain.run_once(deliver=False)[SHOP]
    assert first is not None and first.ok and first.plan is not None
    assert plain.views is None
    assert report_series(woo.db.engine, SHOP, first.started_at) == []

    console = ConsoleSettings(users=(ConsoleUser("olive", "owner"),), secret=Secret("s" * 32))
    woo.settings = replace(woo.settings, console=console)
    release(woo.db.engine, SHOP, plain.holder, woo.clock())
    shown = Daemon(woo.settings, woo.db, clock=woo.clock, renew_every=0)
    try:
        woo.clock.advance(timedelta(minutes=5))
        second = shown.run_once(deliver=False)[SHOP]
        assert second is not None and second.ok
        assert shown.views is not None and shown.views.get(SHOP) is not None
        series = report_series(woo.db.engine, SHOP, first.started_at)
        assert [started for started, _ in series] == [second.started_at]
        assert "backorder_rate" in series[0][1]
    finally:
        shown.close()


def test_a_rebuilt_engine_frees_the_one_it_replaced(woo: SimpleNamespace) -> None:
    """A build leaves what it built out of the garbage collector's rounds (connector/heap.py);
    the next build must still free the engine it replaces, or each rebuild (a lease taken back,
    a difference found) would keep a whole shop's state for good."""
    import gc
    import weakref

    daemon = woo.daemon()
    assert (first := daemon.run_once(deliver=False)[SHOP]) is not None and first.ok
    warm = daemon.warm_engine(SHOP)
    assert warm is not None and warm.engine is not None
    assert gc.get_freeze_count() > 0  # the engine is out of the collector's rounds
    old = weakref.ref(warm.engine)
    warm.discard("a test drops it")
    woo.clock.advance(timedelta(minutes=5))
    assert (second := daemon.run_once(deliver=False)[SHOP]) is not None and second.ok
    assert warm.builds == 2 and warm.engine is not None
    assert old() is None


def test_the_engine_stays_out_of_the_collectors_rounds_after_later_plans(
    woo: SimpleNamespace,
) -> None:
    """A warm plan pauses the collector too; it must not thaw what the build froze, or the next
    full collection walks the whole engine again (2.8 s at the benchmark shop's 3M objects)."""
    import gc

    daemon = woo.daemon()
    assert (first := daemon.run_once(deliver=False)[SHOP]) is not None and first.ok
    frozen = gc.get_freeze_count()
    assert frozen > 0
    sku = next(v.sku for v in woo.db.variants(SHOP) if v.tracked and v.available > 3 and v.sku)
    woo.store.place_order("cy@example.com", [(sku, 1)])
    woo.clock.advance(timedelta(minutes=5))
    assert (second := daemon.run_once(deliver=False)[SHOP]) is not None and second.ok
    warm = daemon.warm_engine(SHOP)
    assert warm is not None and warm.builds == 1 and second.plan is not None
    assert gc.get_freeze_count() >= frozen
