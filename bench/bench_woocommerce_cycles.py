"""WooCommerce daemon cycles on a big sandbox shop, run by hand:
``python bench/bench_woocommerce_cycles.py [--products 3000] [--orders 30000]``.

The shop of issue 13: plain http (OAuth 1.0a signatures on every request), the demo's policies,
purchase orders for the backordered SKUs. Runs ``run --once`` three times, five minutes apart on
the shops' clock, and prints per cycle: seconds, API requests, and the plan's storefront changes,
order actions and emails. The third cycle must plan nothing and write nothing. Numbers go into
docs/woocommerce.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import logging
import platform
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.demo import backordered_skus, demo_settings
from connector.model import Platform, PurchaseOrder
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox

SHOP = "big-woo"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--orders", type=int, default=30000)
    parser.add_argument("--cycles", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
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


if __name__ == "__main__":
    main()
