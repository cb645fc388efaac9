"""Daemon benchmarks, run by hand: ``python bench/bench_daemon.py [--postgres URL]``.

* webhook endpoint: signed deliveries per second over real HTTP (threads posting at once), each
  verified, de-duplicated and queued in the database; and the latency a platform sees;
* leases: acquire-and-renew round trips per second (the daemon's per-cycle overhead).

Prints one line per measurement; copy the numbers into docs/deployment.md with the machine and date.

``python bench/bench_daemon.py --cycles [--products 3000] [--orders 30000]`` instead measures the
daemon's cycles with its warm engine on the WooCommerce sandbox shop of issue 19 (3k products, 30k
orders, plain http): a quiet cycle, and a cycle after 100 new orders, against a cold cycle (the
whole shop read and planned); numbers go into docs/engine.md with the machine and the date.
Each cycle's line is followed by its SQL statements by verb, its requests by route, the seconds
the store took to answer (the sandbox serves in this process: its time is not the connector's)
and the pacer's waits. ``--profile PREFIX`` writes cProfile stats of the first quiet and the
first 100-order cycle to ``PREFIX.quiet.prof`` and ``PREFIX.new.prof``.

Measured 2026-12-04 on ``vm`` (2 vCPUs shared, Python 3.11.7, SQLite), before -> after issue 19's
cycle work: quiet cycle 1.5 s (load 9.5), 24 requests, 82 statements -> 0.11-0.13 s (load 2.6),
2 requests, 35 statements, once a read began a whole overlap window past the last burst; 100 new
orders 2.2-3.1 s, 86-111 requests, 357-399 statements -> 1.34-1.53 s, 84-99 requests, 89
statements (docs/engine.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import system_clock
from connector.db import open_database
from connector.lease import acquire, renew
from connector.model import Platform
from connector.platform import ApiUsage, ResyncTarget, WebhookEvent
from connector.sandbox.base import SandboxServer
from connector.settings import Secret, ShopSettings
from connector.signing import sign, verify
from connector.web.webhooks import WebhookApp

SECRET = "bench-secret"


class Verifier:
    """The webhook door of an adapter: HMAC check and JSON parse, as the real ones do."""

    platform = Platform.SHOPIFY
    shop = "bench"
    usage = ApiUsage()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        from connector.errors import AuthError

        if not verify(SECRET, body, headers.get("X-Shopify-Hmac-Sha256")):
            raise AuthError("bad signature")
        order = json.loads(body)["id"]
        return WebhookEvent(
            Platform.SHOPIFY,
            "bench",
            "orders/updated",
            headers["X-Shopify-Webhook-Id"],
            ResyncTarget(order_ids=(f"gid://shopify/Order/{order}",)),
        )


def bench_webhooks(url: str, deliveries: int = 2000, threads: int = 8) -> None:
    db = open_database(url)
    shop = ShopSettings(
        "bench", Platform.SHOPIFY, "https://bench.myshopify.com", client_secret=Secret(SECRET)
    )
    app = WebhookApp(
        engine=db.engine, shops=[shop], adapters={"bench": Verifier()}, clock=system_clock
    )  # type: ignore[dict-item]
    latencies: list[float] = []
    lock = threading.Lock()
    with SandboxServer(app) as server:

        def post(start: int) -> None:
            session = requests.Session()
            for n in range(start, deliveries, threads):
                body = json.dumps({"id": n % (deliveries // 2), "note": "x" * 2000}).encode()
                headers = {
                    "X-Shopify-Hmac-Sha256": sign(SECRET, body),
                    "X-Shopify-Webhook-Id": f"delivery-{n % (deliveries // 2)}",  # half are replays
                    "X-Shopify-Shop-Domain": "bench.myshopify.com",
                    "X-Shopify-Topic": "orders/updated",
                }
                began = time.perf_counter()
                session.post(
                    f"{server.base_url}/webhooks/shopify", data=body, headers=headers, timeout=10
                )
                with lock:
                    latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        workers = [threading.Thread(target=post, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
    latencies.sort()
    print(
        f"webhooks on {db.engine.dialect.name}: {deliveries / elapsed:.0f} deliveries/s "
        f"({threads} senders, half replays), median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms"
    )
    db.close()


def bench_leases(url: str, rounds: int = 500) -> None:
    db = open_database(url)
    now = datetime.now(UTC)
    began = time.perf_counter()
    for n in range(rounds):
        acquire(db.engine, f"shop-{n % 10}", "bench", now, timedelta(minutes=2))
        renew(db.engine, f"shop-{n % 10}", "bench", now, timedelta(minutes=2))
    elapsed = time.perf_counter() - began
    print(f"leases on {db.engine.dialect.name}: {rounds / elapsed:.0f} acquire+renew per second")
    db.close()


class Counts:
    """What one cycle cost, counted: SQL statements (by verb), the store's requests (by route)
    and the seconds the store took to answer them (the pacer's ``answering``: the sandbox's own
    serving time, which shares this process, apart from the connector's)."""

    def __init__(self, db: Any, store: Any, adapter: Any) -> None:
        from collections import Counter

        from sqlalchemy import event

        self.statements: Counter[str] = Counter()
        self.store, self.adapter = store, adapter

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            self.statements[statement.lstrip().split(None, 1)[0].upper()] += 1

        event.listen(db.engine, "before_cursor_execute", count)

    def start(self) -> None:
        self.statements.clear()
        self.store.log.clear()
        self._answering = self.adapter.client.pacer.answering
        self._waited = self.adapter.client.pacer.waited

    def line(self) -> str:
        from collections import Counter

        routes = Counter(f"{e.method} {e.operation or e.path}" for e in self.store.log.entries())
        served = self.adapter.client.pacer.answering - self._answering
        waited = self.adapter.client.pacer.waited - self._waited
        sql = ", ".join(f"{k} {v}" for k, v in self.statements.most_common())
        top = ", ".join(f"{k} {v}" for k, v in routes.most_common(6))
        return (
            f"    store answering {served:.2f} s, pacer waits {waited:.2f} s; "
            f"SQL {sum(self.statements.values())} ({sql}); requests: {top}"
        )


def _timed_cycle(
    daemon: Any, shop: str, clock: Any, counts: Counts | None = None, profile: str = ""
) -> tuple[float, Any, int]:
    """One ``run --once`` cycle five minutes on: seconds, report, API requests.

    With ``profile`` (a file name), the cycle runs under cProfile and its stats are saved there.
    """
    clock.advance(timedelta(minutes=5))
    before = daemon.adapter(shop).usage.requests
    if counts is not None:
        counts.start()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    began = time.perf_counter()
    report = daemon.run_once(deliver=False)[shop]
    took = time.perf_counter() - began
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    assert report is not None and report.ok, report and report.error
    return took, report, daemon.adapter(shop).usage.requests - before


def _line(
    label: str,
    took: float,
    report: Any,
    requests: int,
    plan_s: float,
    *,
    counts: Counts | None = None,
) -> str:
    import os

    planned = report.planned
    load = os.getloadavg()[0]
    return (
        f"{label}: {took:.2f} s ({plan_s * 1000:.0f} ms planning, load {load:.1f}), "
        f"{requests} requests, synced {report.sync.orders} orders / {report.sync.variants} "
        f"variants, plan {planned['storefront']} storefront, {planned['order_actions']} order "
        f"actions, {planned['notifications']} emails"
    ) + (f"\n{counts.line()}" if counts is not None else "")


def bench_cycles(
    products: int, orders: int, rounds: int = 3, profile: str = "", status_holds: bool = False
) -> None:
    """Quiet and 100-new-order cycles with the warm engine, and a cold cycle to compare."""
    import random
    import resource
    from types import SimpleNamespace

    from connector.clock import FrozenClock
    from connector.daemon import Daemon
    from connector.demo import backordered_skus, demo_settings
    from connector.model import PurchaseOrder
    from connector.planning import plan_for_shop
    from connector.sandbox.seed import SeedSpec
    from connector.sandbox.woocommerce import WooCommerceSandbox

    shop = "big-woo"
    spec = SeedSpec(seed=13, products=products, orders=orders, customers=2000)
    clock = FrozenClock(spec.start)
    began = time.perf_counter()
    store = WooCommerceSandbox(spec, clock=clock).start()
    print(f"machine: {platform.node()} {platform.platform()}, python {platform.python_version()}")
    print(f"seeded {products} products / {orders} orders in {time.perf_counter() - began:.0f} s")
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/state.db", clock=clock)
        where = SimpleNamespace(name=shop, platform=Platform.WOOCOMMERCE, store=store)
        settings = demo_settings([where], "sqlite://", Path(folder) / "outbox")  # type: ignore[list-item]
        if status_holds:
            shops = tuple(replace(s, on_hold_fully_waiting=True) for s in settings.shops)
            settings = replace(settings, shops=shops)
        for number, sku in enumerate(backordered_skus(spec)):
            due = clock().date() + timedelta(days=10 + number % 30)
            db.add_purchase_order(PurchaseOrder(f"PO-{number}", shop, sku, 50, due))
        daemon = Daemon(settings, db, clock=clock, renew_every=0)
        warm = daemon.warm_engine(shop)
        assert warm is not None
        planning: list[float] = []
        plan = warm.plan

        def timed_plan(*args: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return plan(*args, **kw)
            finally:
                planning.append(time.perf_counter() - start)

        warm.plan = timed_plan  # type: ignore[method-assign]
        counts = Counts(db, store, daemon.adapter(shop))
        try:
            for number in range(1, 6):  # the first sync, its writes, until a cycle plans nothing
                took, report, requests = _timed_cycle(daemon, shop, clock, counts)
                print(
                    _line(
                        f"setup cycle {number}", took, report, requests, planning[-1], counts=counts
                    )
                )
                if report.plan.is_empty and not report.sync.orders:
                    break
            for number in range(1, rounds + 1):
                where = f"{profile}.quiet.prof" if profile and number == 1 else ""
                took, report, requests = _timed_cycle(daemon, shop, clock, counts, where)
                print(
                    _line(
                        f"quiet cycle {number}", took, report, requests, planning[-1], counts=counts
                    )
                )
            skus = sorted(v.sku for v in db.variants(shop) if v.sku)
            short = sorted(backordered_skus(spec))
            pick = random.Random(19)
            for number in range(1, rounds + 1):
                for _ in range(100):  # a fifth of them on SKUs people already wait for
                    sku = pick.choice(short if pick.random() < 0.2 else skus)
                    email = f"bench{pick.randrange(2000)}@example.com"
                    store.place_order(email, [(sku, pick.randint(1, 2))], checkout=False)
                where = f"{profile}.new.prof" if profile and number == 1 else ""
                took, report, requests = _timed_cycle(daemon, shop, clock, counts, where)
                print(
                    _line(
                        f"100 new orders {number}",
                        took,
                        report,
                        requests,
                        planning[-1],
                        counts=counts,
                    )
                )
                took, report, requests = _timed_cycle(daemon, shop, clock, counts)
                print(
                    _line(
                        f"  then quiet {number}",
                        took,
                        report,
                        requests,
                        planning[-1],
                        counts=counts,
                    )
                )
            clock.advance(timedelta(hours=1))
            took, report, requests = _timed_cycle(daemon, shop, clock)
            print(_line("hourly check (warm full + cold)", took, report, requests, planning[-1]))
            print(
                f"warm engine: {warm.builds} build(s), {warm.checks} check(s), "
                f"{warm.differences} difference(s)"
            )
            for number in range(1, rounds + 1):
                start = time.perf_counter()
                plan_for_shop(db, settings, shop, clock())
                print(
                    f"cold plan (read + plan, the old quiet cycle's plan step) {number}: "
                    f"{time.perf_counter() - start:.2f} s"
                )
        finally:
            daemon.close()
            db.close()
            store.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (sandbox store and daemon in one process)")


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres", help="also measure on this PostgreSQL URL (an empty database)"
    )
    parser.add_argument("--cycles", action="store_true", help="the warm-engine cycle benchmark")
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--orders", type=int, default=30000)
    parser.add_argument(
        "--profile",
        default="",
        help="with --cycles: cProfile the first quiet and 100-order "
        "cycles into PREFIX.quiet.prof and PREFIX.new.prof",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--status-holds",
        action="store_true",
        help="with --cycles: the shop puts whole orders on hold by status (on_hold_fully_waiting)",
    )
    args = parser.parse_args()
    if args.cycles:
        logging.basicConfig(level=logging.WARNING)
        bench_cycles(args.products, args.orders, args.rounds, args.profile, args.status_holds)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        bench_webhooks(url)
        bench_leases(url)
    if args.postgres:
        bench_webhooks(args.postgres)
        bench_leases(args.postgres)


if __name__ == "__main__":
    main()
