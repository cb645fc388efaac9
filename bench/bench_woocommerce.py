"""WooCommerce benchmark, run by hand: ``python bench/bench_woocommerce.py [--big]``.

Reports, against the sandbox store over real HTTP on 127.0.0.1:

* requests per 1,000 orders and per 1,000 variants for a full sync, and for a quiet cycle;
* full-sync time with one keep-alive session versus a new connection per call;
* peak memory (RSS) of the process;
* with ``--big``: seeding 100k variants and 1M order lines into the sandbox, time and peak memory
  (run in a child process so the number is the store's own).

Numbers go into docs/woocommerce.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.woocommerce import WooCommerceAdapter
from connector.http import make_session
from connector.model import Platform
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from connector.settings import Secret, ShopSettings


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings(store: WooCommerceSandbox) -> ShopSettings:
    creds = store.credentials()
    return ShopSettings(
        name="bench",
        platform=Platform.WOOCOMMERCE,
        url=store.base_url,
        consumer_key=Secret(creds["consumer_key"]),
        consumer_secret=Secret(creds["consumer_secret"]),
        requests_per_second=0,
        currency="EUR",
    )


def full_sync(
    store: WooCommerceSandbox, reuse: bool
) -> tuple[int, int, int, float, dict[Resource, str]]:
    session = make_session()
    if not reuse:
        session.headers["Connection"] = "close"  # what the `woocommerce` package does per call
    adapter = WooCommerceAdapter(settings(store), session=session, sleep=lambda _s: None)
    started = time.perf_counter()
    variants = orders = 0
    cursors: dict[Resource, str] = {}
    for resource_kind in (Resource.PRODUCTS, Resource.ORDERS):
        for page in adapter.read_changes(resource_kind, None):
            variants += len(page.variants)
            orders += len(page.orders)
            if page.cursor:
                cursors[resource_kind] = page.cursor
    elapsed = time.perf_counter() - started
    session.close()
    return adapter.usage.requests, variants, orders, elapsed, cursors


def quiet_cycle(store: WooCommerceSandbox, cursors: dict[Resource, str]) -> int:
    adapter = WooCommerceAdapter(settings(store), sleep=lambda _s: None)
    for resource_kind in (Resource.PRODUCTS, Resource.ORDERS):
        for _page in adapter.read_changes(resource_kind, cursors[resource_kind]):
            pass
    return adapter.usage.requests


def sync_bench() -> None:
    spec = SeedSpec(seed=42, products=500, variants_per_product=(1, 3), orders=1000)
    with WooCommerceSandbox(spec) as store:
        requests_reuse, variants, orders, with_reuse, cursors = full_sync(store, reuse=True)
        requests_new, _, _, without_reuse, _ = full_sync(store, reuse=False)
        quiet = quiet_cycle(store, cursors)
    print(f"store: {variants} variants in {spec.products} products, {orders} orders")
    print(
        f"full sync requests: {requests_reuse} ({requests_reuse / (variants + orders) * 1000:.0f} per 1,000 variants+orders)"
    )
    print(
        f"  per 1,000 variants: {(requests_reuse - -(-orders // 100)) / variants * 1000:.0f}; per 1,000 orders: {-(-orders // 100) / orders * 1000:.0f}"
    )
    print(f"quiet cycle requests: {quiet}")
    print(f"full sync time, keep-alive session: {with_reuse:.2f} s")
    print(
        f"full sync time, new connection per call: {without_reuse:.2f} s ({requests_new} requests)"
    )
    print(f"peak RSS of this process: {peak_mb():.0f} MB")


def big_seed() -> None:
    spec = SeedSpec(
        seed=1, products=50_000, variants_per_product=(1, 3), orders=500_000, customers=5_000
    )
    started = time.perf_counter()
    store = WooCommerceSandbox(spec)
    elapsed = time.perf_counter() - started
    variants = sum(1 for item in store.catalog.items.values() if item.kind != "variable")
    lines = sum(len(order.lines) for order in store.orders.orders.values())
    print(f"seeded {variants} variants, {len(store.orders.orders)} orders, {lines} order lines")
    print(f"seeding time: {elapsed:.1f} s; peak RSS: {peak_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", action="store_true", help="also seed 100k variants / 1M lines")
    parser.add_argument("--big-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.big_child:
        big_seed()
        return
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    sync_bench()
    if args.big:
        subprocess.run([sys.executable, __file__, "--big-child"], check=True)


if __name__ == "__main__":
    main()
