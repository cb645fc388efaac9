"""Time ``connector report`` and the daemon's report refresh at the engine benchmark's size.

    PYTHONPATH=. python bench/bench_report.py --database-url URL --build [--lines 1000000]
    PYTHONPATH=. python bench/bench_report.py --database-url URL [--config out.toml]

``--build`` stores ``bench/bench_engine.py``'s shop as ``bench/bench_console.py`` does (the
orders, catalog and POs, the warm engine's first plan's queue and events, then a next cycle of
100 new orders) in the database at URL (a PostgreSQL database is emptied first). Without it the
state already there is reused, so the same state is timed before and after a change. Each run
times :func:`~connector.reports.shop_report`, :func:`~connector.reports.shop_reorder` and the
daemon's refresh (``after_cycle``), and with ``--config`` writes a TOML file for timing
``CONNECTOR_NOW=2026-11-20T12:05:00 connector --config FILE report`` on the same state.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parent))

from bench_console import Brought, commit, empty_postgres, settings_for, store_shop
from bench_engine import NOW, generate

from connector.clock import FrozenClock
from connector.cycle_report import CycleReport
from connector.daemon import Daemon
from connector.daemon_metrics import ReportCache
from connector.daemon_views import after_cycle
from connector.db import open_database
from connector.model import Plan
from connector.reports import shop_reorder, shop_report

AT = NOW + timedelta(minutes=5)


def timed(label: str, func):  # type: ignore[no-untyped-def]
    """Wall time, and this process's CPU time (on SQLite the database's work is in it too):
    on a shared machine the wall time is mostly waiting for a core."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    print(
        f"{label}: {time.perf_counter() - wall:.1f} s, CPU {time.process_time() - cpu:.1f} s "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    return result


"""The instant of the next cycle, when the view is published and the report timed."""


CONFIG = """database_url = "{url}"
default_policy = {{ name = "default", mode = "stop" }}

[[shops]]
name = "bench"
platform = "shopify"
url = "https://bench.myshopify.com"
access_token = "env:BENCH_KEY"
client_secret = "env:BENCH_SECRET"
currency = "EUR"

[[policies]]
name = "all"
mode = "backorder"
handling_days = 2
match = {{ skus = ["*"] }}
"""
"""The benchmark's shop as ``connector`` reads it (``bench_console.settings_for`` less the
console): ``BENCH_KEY=ck_... BENCH_SECRET=cs_... CONNECTOR_NOW=2026-11-20T12:05:00Z``."""


def build(url: str, args: argparse.Namespace) -> None:
    if url.startswith("postgresql"):
        empty_postgres(url)
    state = timed("generate", lambda: generate(args.variants, args.lines, args.waiting))
    orders, later = state.orders[:-100], state.orders[-100:]
    clock = FrozenClock(NOW)
    db = open_database(url, clock=clock)
    timed(f"store {len(orders)} orders", lambda: store_shop(db, orders, state))
    daemon = Daemon(settings_for(url), db, clock=clock)
    warm = daemon.warm_engine("bench")
    assert warm is not None
    first = timed("first plan", lambda: warm.plan(db, (), NOW))
    commit(db, warm, first)
    first = Plan(shop="bench")
    clock.advance(timedelta(minutes=5))
    with db.transaction() as tx:
        tx.upsert_orders(later)
    brought = Brought(order_ids=[o.platform_id for o in later])
    commit(db, warm, warm.plan(db, (brought,), clock()))
    daemon.close()
    db.close()


def measure(url: str, args: argparse.Namespace) -> None:
    clock = FrozenClock(AT)
    db = open_database(url, clock=clock)
    settings = settings_for(url)
    report = timed(
        "shop_report (connector report's numbers)", lambda: shop_report(db.engine, "bench", AT)
    )
    print(f"  {report.lines_ordered} lines ordered, {report.waiting_lines} waiting")
    timed("shop_reorder", lambda: shop_reorder(db, db.engine, settings, "bench", AT))
    daemon = Daemon(settings, db, clock=clock)
    assert daemon.views is not None
    # What after_cycle asks of the warm engine: that it planned warm (the plan itself is the
    # cycle's; building one here would take minutes and is not what is timed).
    warm = SimpleNamespace(warm=True)
    plan = Plan(shop="bench")
    cycle = CycleReport(shop="bench", started_at=AT, plan=plan)
    timed(
        "the daemon's refresh (after_cycle, report and suggestions)",
        lambda: after_cycle(
            daemon.views,
            db=db,
            settings=settings,
            reports=ReportCache(db, clock),
            warm=warm,  # type: ignore[arg-type]
            cycle=cycle,
            clock=clock,
        ),
    )
    daemon.close()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=int, default=200_000)
    parser.add_argument("--config", default="", help="write a TOML config for the CLI here")
    args = parser.parse_args()
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, {date.today().isoformat()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.build:
        build(args.database_url, args)
    if args.config:
        Path(args.config).write_text(CONFIG.format(url=args.database_url), encoding="utf-8")
    measure(args.database_url, args)


if __name__ == "__main__":
    main()
