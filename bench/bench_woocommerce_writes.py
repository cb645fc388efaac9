"""WooCommerce write cycle for new orders, run by hand:
``python bench/bench_woocommerce_writes.py [--products 500] [--new-orders 1000]``.

Seeds a sandbox shop, runs a first daemon cycle, then places ``--new-orders`` REST orders (they
sell below zero, so most wait and get a hold) and runs one more cycle. Prints the requests the
store served in that cycle by route (its own request log), and the connector's own count. Issue
19's goal: the new orders with their holds in at most 60 requests plus the variations the changed
products need. Numbers go into docs/woocommerce.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import collections
import logging
import platform
import random
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

SHOP = "woo-writes"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--new-orders", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    spec = SeedSpec(seed=19, products=args.products, orders=args.orders, customers=500)
    clock = FrozenClock(spec.start)
    store = WooCommerceSandbox(spec, clock=clock).start()
    print(f"machine: {platform.platform()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/state.db", clock=clock)
        shop = SimpleNamespace(name=SHOP, platform=Platform.WOOCOMMERCE, store=store)
        settings = demo_settings([shop], "sqlite://", Path(folder) / "outbox")  # type: ignore[list-item]
        skus = backordered_skus(spec)
        for number, sku in enumerate(skus):
            due = clock().date() + timedelta(days=10 + number % 30)
            db.add_purchase_order(PurchaseOrder(f"PO-{number}", SHOP, sku, 10_000, due))
        daemon = Daemon(settings, db, clock=clock, renew_every=0)
        try:
            clock.advance(timedelta(minutes=5))
            daemon.run_once(deliver=False)
            clock.advance(timedelta(minutes=5))
            daemon.run_once(deliver=False)  # the first cycle's own writes, read back
            rng = random.Random(19)
            for number in range(args.new_orders):
                clock.advance(timedelta(seconds=1))
                store.place_order(
                    f"new{number}@example.com",
                    [(rng.choice(skus), rng.randint(1, 2))],
                    name=f"New Customer {number}",
                    checkout=False,
                )
            clock.advance(timedelta(minutes=5))
            store.log.clear()
            before = daemon.adapter(SHOP).usage.requests
            began = time.perf_counter()
            report = daemon.run_once(deliver=False)[SHOP]
            took = time.perf_counter() - began
            counted = daemon.adapter(SHOP).usage.requests - before
            assert report is not None and report.plan is not None, "the cycle failed"
            served = collections.Counter(entry.operation for entry in store.log.entries())
            plan = report.plan
            print(
                f"{args.new_orders} new orders: {took:.1f} s, {sum(served.values())} requests "
                f"served ({counted} counted by the connector); {len(plan.storefront)} storefront "
                f"changes, {len(plan.order_actions)} order actions, ok={report.ok}"
            )
            for route, count in served.most_common():
                print(f"  {count:5d}  {route}")
        finally:
            daemon.close()
            db.close()
            store.stop()


if __name__ == "__main__":
    main()
