"""WooCommerce daemon cycles on a big sandbox shop, run by hand:
``python bench/bench_woocommerce_cycles.py [--products 3000] [--orders 30000]``.

The shop of issue 13: plain http (OAuth 1.0a signatures on every request), the demo's policies,
purchase orders for the backordered SKUs. Runs ``run --once`` three times, five minutes apart on
the shops' clock, and prints per cycle: seconds, API requests, and the plan's storefront changes,
order actions and emails. The third cycle must plan nothing and write nothing. Numbers go into
docs/woocommerce.md with the machine and the date.

``--pacing`` (issue 19) instead compares the connector's wall time with the store's own serving
time (the sandbox sums each API request's time from arrival to answer, plus the latency it is told
to add, standing for PHP): a full sync and a quiet read, at each ``--latency`` and under each
``--ceiling`` (``requests_per_second``; 5 was the old fixed pace). Goal: wall <= 1.1x served.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.demo import backordered_skus, demo_settings
from connector.model import Platform, PurchaseOrder
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from connector.settings import Secret, ShopSettings

SHOP = "big-woo"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--orders", type=int, default=30000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--pacing", action="store_true", help="wall time vs the store's time")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--latency", type=float, nargs="*", default=[0.0, 0.1])
    parser.add_argument("--ceiling", type=float, nargs="*", default=[5.0, 20.0])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.serve:
        serve(args.products, args.orders)
        return
    if args.pacing:
        pacing(args.products, args.orders, args.latency, args.ceiling)
        return
    spec = SeedSpec(seed=13, products=args.products, orders=args.orders, customers=2000)
    clock = FrozenClock(spec.start)
    started = time.perf_counter()
    store = WooCommerceSandbox(spec, clock=clock).start()
    seeded = time.perf_counter() - started
    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    print(
        f"seeded {len(store.catalog.items)} products and variations, {args.orders} orders "
        f"in {seeded:.1f} s; store at {store.base_url} (plain http: OAuth 1.0a)"
    )
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/state.db", clock=clock)
        shop = SimpleNamespace(name=SHOP, platform=Platform.WOOCOMMERCE, store=store)
        settings = demo_settings([shop], "sqlite://", Path(folder) / "outbox")  # type: ignore[list-item]
        skus = backordered_skus(spec)
        for number, sku in enumerate(skus):
            due = clock().date() + timedelta(days=10 + number % 30)
            db.add_purchase_order(PurchaseOrder(f"PO-{number}", SHOP, sku, 50, due))
        daemon = Daemon(settings, db, clock=clock, renew_every=0)
        try:
            for cycle in range(1, args.cycles + 1):
                clock.advance(timedelta(minutes=5))
                before = daemon.adapter(SHOP).usage.requests
                began = time.perf_counter()
                report = daemon.run_once(deliver=False)[SHOP]
                took = time.perf_counter() - began
                requests = daemon.adapter(SHOP).usage.requests - before
                assert report is not None and report.plan is not None, "the cycle failed"
                plan = report.plan
                print(
                    f"cycle {cycle}: {took:.1f} s, {requests} requests, ok={report.ok}, "
                    f"{len(plan.storefront)} storefront changes; {len(plan.order_actions)} order "
                    f"actions; {len(plan.notifications)} emails; error={report.error or '-'}"
                )
        finally:
            daemon.close()
            db.close()
            store.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")


def serve(products: int, orders: int) -> None:
    """The store for ``--pacing``, in its own process (a real store does not share our GIL):
    prints its address and key as one JSON line, serves until stdin closes."""
    spec = SeedSpec(seed=19, products=products, orders=orders, customers=200)
    store = WooCommerceSandbox(spec, clock=FrozenClock(spec.start)).start()
    print(json.dumps({"url": store.base_url, **store.credentials()}), flush=True)
    sys.stdin.read()
    store.stop()


def pacing(products: int, orders: int, latencies: list[float], ceilings: list[float]) -> None:
    """Full sync and quiet read through the adapter: wall time against the store's serving time."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--products", str(products), "--orders", str(orders)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    found = json.loads(child.stdout.readline())
    url = found["url"]

    def control(name: str, **args: object) -> object:
        answer = requests.post(f"{url}/__sandbox/{name}", json=args, timeout=30)
        return answer.json()["result"]

    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    print(f"{products} products, {orders} orders, plain http, store in its own process")
    try:
        for latency in latencies:
            for ceiling in ceilings:
                shop = ShopSettings(
                    name="pacing",
                    platform=Platform.WOOCOMMERCE,
                    url=url,
                    consumer_key=Secret(found["consumer_key"]),
                    consumer_secret=Secret(found["consumer_secret"]),
                    requests_per_second=ceiling,
                    currency="EUR",
                )
                adapter = WooCommerceAdapter(shop)
                cursors: dict[Resource, str | None] = {}
                for label in ("full sync", "quiet read"):
                    control("serving", latency=latency, reset=True)
                    before = adapter.usage.requests
                    pacer = adapter.client.pacer
                    answering, waited = pacer.answering, pacer.waited
                    began = time.perf_counter()
                    for resource in (Resource.ORDERS, Resource.PRODUCTS):
                        for page in adapter.read_changes(resource, cursors.get(resource)):
                            cursors[resource] = page.cursor
                    wall = time.perf_counter() - began
                    made = adapter.usage.requests - before
                    stats = control("serving")
                    assert isinstance(stats, dict)
                    store = float(stats["seconds"])
                    print(
                        f"latency {latency * 1000:.0f} ms, ceiling {ceiling:g}/s, {label}: "
                        f"{made} requests, wall {wall:.2f} s, store {store:.2f} s, "
                        f"{wall / max(store, 1e-9):.2f}x; answers as we saw them "
                        f"{pacer.answering - answering:.2f} s, paced {pacer.waited - waited:.2f} s"
                    )
                    control("advance_clock", seconds=300)  # rows read settle, as on a real shop
                adapter.close()
    finally:
        child.stdin.close()
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
