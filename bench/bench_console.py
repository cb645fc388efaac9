"""Benchmark the support console's pages at the engine benchmark's shop size (run by hand).

    PYTHONPATH=. python bench/bench_console.py [--database-url URL] [--variants 100000]
        [--lines 1000000] [--waiting 200000] [--repeat 3] [--fresh] [--stored]

Stores ``bench/bench_engine.py``'s shop (100,000 variants, 1,000,000 order lines in 500,000
orders over 60 days, 200,000 of them short; two purchase orders per short SKU) in a fresh state
database (a temporary SQLite file by default; a PostgreSQL URL is emptied first), then does what
the daemon does once: builds the shop's warm engine (a cold read and a full plan), saves that
plan's queue and events as a cycle would, takes in 100 new orders as the next cycle would
(an incremental plan, saved too), and publishes that cycle's view (the report and the reorder
suggestions worked out on the cycle's thread). Then it logs in to /console through the daemon's
WSGI app (no network) and times each page ``--repeat`` times (best and median, ms). With
``--fresh`` it also times the plan, report and reorder worked out at the request (``?fresh=1``,
today's path without a warm engine), once each: minutes at this size.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from werkzeug.test import Client

sys.path.insert(0, str(Path(__file__).parent))

from bench_engine import NOW, generate

from connector.clock import FrozenClock
from connector.config import parse_settings
from connector.cycle_report import CycleReport
from connector.daemon import Daemon
from connector.daemon_metrics import ReportCache
from connector.daemon_views import after_cycle
from connector.db import Database, open_database
from connector.db.schema import metadata
from connector.model import Order, Plan
from connector.shop_views import PlanView, plan_numbers
from connector.warm_engine import ShopEngine
from connector.web.passwords import hash_password

PASSWORD = "a password for the benchmark"
CHUNK = 2000


@dataclass
class Brought:
    """What a cycle stored, as :class:`connector.warm_engine.Brought` wants it."""

    order_ids: list[str] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)
    variant_ids: list[str] = field(default_factory=list)
    deleted_products: int = 0


def timed(label: str, func):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    result = func()
    print(f"{label}: {time.perf_counter() - began:.1f} s (load {os.getloadavg()[0]:.1f})")
    return result


def empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table.name}" CASCADE'))
        conn.execute(sa.text("DROP TABLE IF EXISTS schema_migrations CASCADE"))
    engine.dispose()


def store_shop(db: Database, orders: tuple[Order, ...], state) -> None:  # type: ignore[no-untyped-def]
    for index in range(0, len(orders), CHUNK):
        with db.transaction() as tx:
            tx.upsert_orders(orders[index : index + CHUNK])
    with db.transaction() as tx:
        tx.upsert_products(state.products)
        tx.upsert_variants(state.variants)
    with db.transaction() as tx:
        for po in state.purchase_orders:
            tx.add_purchase_order(replace(po, supplier="Bench Supply", created_at=NOW))


def commit(db: Database, warm: ShopEngine, plan: Plan) -> None:
    """What a cycle saves after its writes: the plan's queue and events."""
    db.replace_queue("bench", plan.queue)
    if plan.events:
        db.append_events(plan.events)
    warm.committed(plan, ())


def settings_for(url: str):  # type: ignore[no-untyped-def]
    os.environ["BENCH_CONSOLE_SECRET"] = "b" * 40
    os.environ["BENCH_KEY"] = "ck_" + "0" * 40
    os.environ["BENCH_SECRET"] = "cs_" + "0" * 40
    return parse_settings(
        {
            "database_url": url,
            "shops": [
                {
                    "name": "bench",
                    "platform": "shopify",
                    "url": "https://bench.myshopify.com",
                    "access_token": "env:BENCH_KEY",
                    "client_secret": "env:BENCH_SECRET",
                    "currency": "EUR",
                }
            ],
            "policies": [
                {"name": "all", "mode": "backorder", "handling_days": 2, "match": {"skus": ["*"]}}
            ],
            "default_policy": {"name": "default", "mode": "stop"},
            "console": {
                "secret": "env:BENCH_CONSOLE_SECRET",
                "users": [{"name": "o", "role": "owner", "password_hash": hash_password(PASSWORD)}],
            },
        }
    )


def login(daemon: Daemon) -> Client:
    """The owner's browser, logged in to the daemon's console (no network)."""
    client = Client(daemon.web_app())
    form = client.get("/console/login").get_data(as_text=True)
    token = form.split('name="csrf" value="')[1].split('"')[0]
    client.post("/console/login", data={"csrf": token, "user": "o", "password": PASSWORD})
    return client


def time_pages(client: Client, pages: dict[str, str], args: argparse.Namespace) -> None:
    for label, path in pages.items():
        times = []
        for _ in range(1 if "fresh" in path else args.repeat):
            began = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code in (200, 303), (path, answer.status_code)
        print(
            f"  {label:<40} best {min(times):9.1f} ms, median {statistics.median(times):9.1f} ms"
            f"  (load {os.getloadavg()[0]:.1f})"
        )


def run(url: str, args: argparse.Namespace) -> None:
    state = timed("generate", lambda: generate(args.variants, args.lines, args.waiting))
    orders, later = state.orders[: -args.changes], state.orders[-args.changes :]
    clock = FrozenClock(NOW)
    db = open_database(url, clock=clock)
    if args.stored:
        print("the shop's orders, catalog and POs as an earlier run stored them (--stored)")
    else:
        timed(
            f"store {len(orders)} orders, the catalog and POs",
            lambda: store_shop(db, orders, state),
        )
    settings = settings_for(url)
    daemon = Daemon(settings, db, clock=clock)
    warm = daemon.warm_engine("bench")
    assert warm is not None and daemon.views is not None
    client = login(daemon)
    first = timed("warm engine built (cold read, full plan)", lambda: warm.plan(db, (), NOW))
    began = time.perf_counter()
    commit(db, warm, first)
    waiting = sum(1 for entry in first.queue if entry.waiting)
    print(
        f"its queue and events saved: {time.perf_counter() - began:.1f} s: {waiting} waiting "
        f"lines, {len(first.events)} events"
    )
    # The page right after a big shop's first cycle: the whole first plan, a page at a time.
    daemon.views.publish("bench", plan=PlanView(clock(), first, plan_numbers(first, orders)))
    lines = len(first.storefront) + len(first.order_actions) + len(first.notifications)
    time_pages(client, {f"plan (the first cycle's, {lines} lines)": "/console/plan"}, args)
    first = Plan(shop="bench")  # let the first plan go: the daemon keeps only the last
    clock.advance(timedelta(minutes=5))
    with db.transaction() as tx:
        tx.upsert_orders(later)
    brought = Brought(order_ids=[o.platform_id for o in later])
    plan = timed(
        f"next cycle: {args.changes} new orders planned",
        lambda: warm.plan(db, (brought,), clock()),
    )
    commit(db, warm, plan)
    cycle = CycleReport(shop="bench", started_at=clock(), plan=plan)
    timed(
        "view published (report and reorder worked out on the cycle's thread)",
        lambda: after_cycle(
            daemon.views,
            db=db,
            settings=settings,
            reports=ReportCache(db, clock),
            warm=warm,
            cycle=cycle,
            clock=clock,
        ),
    )
    middle = orders[len(orders) // 3]
    sku = next(e.sku for e in db.queue("bench") if e.waiting)
    pages = {
        "overview (status, charts)": "/console/",
        "find by number": f"/console/orders?q={middle.number}",
        "find by email": f"/console/orders?q={middle.customer.email}",
        "order (connector order N)": f"/console/order?shop=bench&id={middle.platform_id}",
        "a SKU's queue": f"/console/queue?sku={sku}",
        f"purchase orders ({len(state.purchase_orders)} open)": "/console/purchase-orders",
        "purchase orders, a SKU searched": f"/console/purchase-orders?q={sku}",
        "purchase orders, last page": "/console/purchase-orders?page=100000",
        "plan (the last cycle's)": "/console/plan",
        "report, 90 days (the daemon's)": "/console/report",
        "reorder (the daemon's)": "/console/reorder",
    }
    if args.fresh:
        pages |= {
            "plan, ?fresh=1 (connector plan)": "/console/plan?fresh=1",
            "report, ?fresh=1 (connector report)": "/console/report?fresh=1",
            "reorder, ?fresh=1 (report --reorder)": "/console/reorder?fresh=1",
        }
    time_pages(client, pages, args)
    daemon.close()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=int, default=200_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="also time the ?fresh=1 pages")
    parser.add_argument(
        "--stored",
        action="store_true",
        help="PostgreSQL: the shop is stored already by a run with the same sizes (skips 10 min)",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, {date.today().isoformat()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.database_url:
        print(f"database: PostgreSQL ({args.database_url.split('@')[-1]})")
        if not args.stored:
            empty_postgres(args.database_url)
        run(args.database_url, args)
        return
    with tempfile.TemporaryDirectory() as work:
        print("database: SQLite")
        run(f"sqlite:///{Path(work) / 'state.db'}", args)


if __name__ == "__main__":
    main()
