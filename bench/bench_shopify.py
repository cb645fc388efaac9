"""Shopify benchmark: calls and cost per 1,000 objects, a 100k-variant bulk first sync, memory.

Run by hand (never in the test suite); write the numbers into docs/shopify.md with the machine and
date::

    python bench/bench_shopify.py                 # full: 100k variants, ~1M order lines
    python bench/bench_shopify.py --quick         # a smaller run to try it out

Parts:

1. Paged sync against an in-process sandbox: requests and cost points per 1,000 variants and per
   1,000 orders, next to the requested cost (what the page sizes reserve) and the minimum the
   page size allows (every page full, nothing but the nodes asked for).
2. A big shop in its own process (``connector sandbox shopify``): time and peak memory (VmHWM) of
   seeding 100k variants and ~1M order lines.
3. The adapter's first catalog sync of that shop through a bulk operation: time, throughput and
   this process's peak memory, for the full shop and for a tenth of it (memory should stay flat).
0. First (``--cycles-only`` for it alone): the requests of a daemon's cycles, a write cycle for
   1,000 orders, the reads after it, quiet cycles, 1,000 orders changed by the shop.
"""

from __future__ import annotations

import argparse
import platform
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.shopify import ShopifyAdapter
from connector.clock import FrozenClock
from connector.model import Platform
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify import ShopifySandbox
from connector.settings import Secret, ShopSettings


def settings(url: str, token: str, **extra: Any) -> ShopSettings:
    return ShopSettings(
        name="bench",
        platform=Platform.SHOPIFY,
        url=url,
        access_token=Secret(token),
        timeout_seconds=120,
        **extra,
    )


def paged(
    products: int, orders: int, bucket_size: float = 2000, restore_rate: float = 100
) -> dict[str, float]:
    clock = FrozenClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    spec = SeedSpec(seed=2, products=products, orders=orders, customers=200)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    with ShopifySandbox(
        spec,
        clock=clock,
        bucket_time=lambda: clock().timestamp(),
        bucket_size=bucket_size,
        restore_rate=restore_rate,
    ) as store:
        adapter = ShopifyAdapter(
            settings(store.base_url, store.access_token, bulk_threshold=10**9),
            clock=clock,
            sleep=sleep,
        )
        out: dict[str, float] = {}
        for resource_, label in ((Resource.PRODUCTS, "variants"), (Resource.ORDERS, "orders")):
            store.log.clear()
            before_cost, before_requests = adapter.usage.cost, adapter.usage.requests
            count = 0
            for page in adapter.read_changes(resource_, None):
                count += len(page.variants) if label == "variants" else len(page.orders)
            entries = [e for e in store.log.entries() if e.operation != "Counts"]
            requests_ = adapter.usage.requests - before_requests
            cost = adapter.usage.cost - before_cost
            out[f"{label}"] = count
            out[f"{label}_requests_per_1000"] = requests_ * 1000 / count
            out[f"{label}_cost_per_1000"] = cost * 1000 / count
            out[f"{label}_pages"] = len(entries)
            # The fewest pages the largest page size used allows (every page full).
            largest = max(
                (
                    int(k.split(":levels=")[0].rsplit(":", 1)[-1])
                    for k in adapter.client.last_requested
                    if k.startswith("CatalogChanges" if label == "variants" else "OrderChanges")
                ),
                default=1,
            )
            out[f"{label}_min_pages_at_{largest}_per_page"] = -(-count // largest)
        out["throttled"] = adapter.usage.throttled
        out["shop_throttled_answers"] = store.graphql.throttled_answers
        out["waits"] = len(waits)
        out["seconds_waited"] = sum(waits)
        out["requested"] = dict(adapter.client.last_requested)  # type: ignore[assignment]
        adapter.close()
    return out


def cycles(orders: int = 2_400, changed: int = 1_000) -> dict[str, float]:
    """Requests of a daemon's Shopify cycles, counted where the sandbox served them (issue 19).

    On Shopify's default bucket (2000 points, 100 a second): a write cycle giving ``changed``
    orders a hold, a note and a tag; the next cycle's read of the orders it changed; then a quiet
    cycle under a frozen clock and one a minute later (both inside the overlap window), one past it
    and one 5 minutes after that. Then
    ``changed`` orders changed by the shop (not holds) and read by the next cycle.
    """
    from collections import Counter

    from connector.model import OrderAction, OrderActionKind

    clock = FrozenClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    spec = SeedSpec(seed=2, products=200, orders=orders, customers=200)
    with ShopifySandbox(
        spec,
        clock=clock,
        bucket_time=lambda: clock().timestamp(),
        bucket_size=2000,
        restore_rate=100,
    ) as store:
        gate = store.bulk.gate

        def sleep(seconds: float) -> None:
            clock.advance(timedelta(seconds=seconds))
            if not gate.is_set():  # a bulk operation finishes on the adapter's first wait
                gate.set()
                store.bulk.wait()

        adapter = ShopifyAdapter(
            settings(store.base_url, store.access_token, bulk_threshold=10**9),
            clock=clock,
            sleep=sleep,
        )
        cursors: dict[Resource, str | None] = {Resource.PRODUCTS: None, Resource.ORDERS: None}

        def read(resource: Resource) -> int:
            count = 0
            for page in adapter.read_changes(resource, cursors[resource]):
                count += len(page.orders) + len(page.variants)
                cursors[resource] = page.cursor or cursors[resource]
            return count

        def served(since: int) -> Counter[str]:
            return Counter(e.operation or e.path for e in store.log.entries()[since:])

        read(Resource.PRODUCTS)
        read(Resource.ORDERS)
        clock.advance(timedelta(minutes=10))
        state = store.state()["orders"]
        ids = sorted(state)[:changed]
        actions = []
        for order_id in ids:
            line, data = next(iter(state[order_id]["lines"].items()))
            actions += [
                OrderAction(
                    "bench",
                    OrderActionKind.HOLD_LINES,
                    order_id,
                    lines=((line, data["quantity"]),),
                    hold_reason="INVENTORY_OUT_OF_STOCK",
                ),
                OrderAction("bench", OrderActionKind.ADD_NOTE, order_id, note="Part ships later."),
                OrderAction("bench", OrderActionKind.ADD_TAGS, order_id, tags=("backorder",)),
            ]
        out: dict[str, float] = {}
        before = len(store.log)
        adapter.apply_order_actions(actions)
        write = served(before)
        out["write cycle: requests"] = sum(write.values())
        out["write cycle: order reads (OrderFulfillment)"] = write["OrderFulfillment"]
        # The next cycle a minute later (a webhook, a short interval): inside the overlap window.
        clock.advance(timedelta(minutes=1))
        for label, minutes in (
            ("after the writes", 0),
            ("quiet, frozen clock", 0),
            ("quiet, a minute on", 1),
            # The first read past the overlap window lists what settled in it, once.
            ("quiet, past the overlap", 5),
            ("quiet, 5 minutes later", 5),
        ):
            clock.advance(timedelta(minutes=minutes))
            before, throttled = len(store.log), store.graphql.throttled_answers
            gate.clear()
            got = read(Resource.PRODUCTS) + read(Resource.ORDERS)
            out[f"cycle {label}: requests"] = len(store.log) - before
            out[f"cycle {label}: objects read"] = got
            out[f"cycle {label}: THROTTLED"] = store.graphql.throttled_answers - throttled
            out[f"cycle {label}: by operation"] = dict(served(before))  # type: ignore[assignment]
        clock.advance(timedelta(minutes=10))
        held = set(ids)
        others = [n for n in sorted(store.data.orders) if f"gid://shopify/Order/{n}" not in held]
        for number in others[:changed]:
            order = store.data.orders[number]
            order.note = "changed by the shop"
            store.data.touch_order(order)
            clock.advance(timedelta(milliseconds=50))
        clock.advance(timedelta(minutes=1))
        before, throttled = len(store.log), store.graphql.throttled_answers
        gate.clear()
        got = read(Resource.ORDERS)
        out["shop changed orders: read"] = got
        out["shop changed orders: requests per 1,000"] = (len(store.log) - before) * 1000 / got
        out["shop changed orders: THROTTLED"] = store.graphql.throttled_answers - throttled
        out["shop changed orders: by operation"] = dict(served(before))  # type: ignore[assignment]
        gate.set()
        adapter.close()
    return out


def vm_hwm(pid: int) -> float:
    """Peak resident memory of a process in MB (Linux /proc)."""
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else float("nan")


def big_shop(
    products: int, orders: int, port: int
) -> tuple[subprocess.Popen[str], str, str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "connector.cli.main",
            "sandbox",
            "shopify",
            "--port",
            str(port),
            "--seed",
            "1",
            "--products",
            str(products),
            "--orders",
            str(orders),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    token = url = ""
    while not token:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("sandbox process ended early")
        if "running at" in line:
            url = line.rsplit(" ", 1)[-1].strip()
        if "access token:" in line:
            token = line.split(":", 1)[1].strip()
    return process, url, token, time.perf_counter() - started


def bulk_catalog(url: str, token: str, trace: bool) -> dict[str, float]:
    adapter = ShopifyAdapter(settings(url, token, bulk_threshold=0), sleep=time.sleep)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    variants = pages = 0
    for page in adapter.read_changes(Resource.PRODUCTS, None):
        variants += len(page.variants)
        pages += 1
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else float("nan")
    if trace:
        tracemalloc.stop()
    adapter.close()
    return {
        "variants": variants,
        "pages": pages,
        "seconds": elapsed,
        "peak_traced_mb": peak,
        "requests": adapter.usage.requests,
    }


def first_catalog_with_collections(products: int = 500) -> dict[str, dict[str, float]]:
    """A first catalog sync, bulk and paged, of a shop whose products sit in three collections
    (two custom, one smart): requests, cost points and the operations the sandbox served."""
    from collections import Counter

    found: dict[str, dict[str, float]] = {}
    for label, threshold in (("bulk", 10), ("paged", 10_000_000)):
        clock = FrozenClock(datetime(2026, 11, 1, tzinfo=UTC))
        with ShopifySandbox(
            SeedSpec(products=products, orders=0),
            clock=clock,
            bucket_time=lambda clock=clock: clock().timestamp(),
        ) as shop:
            skus = list(shop.data.by_sku)
            shop.create_collection("Garden Sofas", skus=skus[: len(skus) // 3])
            shop.create_collection("Sale", skus=skus[::5])
            shop.create_collection("Lamps", rules=[("TYPE", "EQUALS", "Lamp")])
            shop.log.clear()
            adapter = ShopifyAdapter(
                settings(shop.base_url, shop.access_token, bulk_threshold=threshold),
                clock=clock,
                sleep=lambda seconds, clock=clock: clock.advance(timedelta(seconds=seconds)),
            )
            pages = list(adapter.read_changes(Resource.PRODUCTS, None))
            served = Counter(e.operation for e in shop.log.entries())
            found[label] = {
                "variants": sum(len(p.variants) for p in pages),
                "products in a collection": sum(
                    1 for p in pages for product in p.products if product.collections
                ),
                "requests (the bulk files not counted)": adapter.usage.requests,
                "cost points": round(adapter.usage.cost),
                **{f"served {name}": count for name, count in sorted(served.items())},
            }
            adapter.close()
    return found


def shop_stats(url: str) -> dict[str, int]:
    import requests

    stats: dict[str, int] = requests.get(f"{url}/__sandbox/stats", timeout=60).json()
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k variants, ~100k order lines")
    parser.add_argument("--port", type=int, default=18481)
    parser.add_argument("--cycles-only", action="store_true", help="only the cycle counts")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print(
        f"# bench_shopify {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.machine()}, {__import__('os').cpu_count()} cores"
    )

    for changed in (200, 1_000):
        print(
            "\n## Cycles on the default bucket (2000 points, 100/s), 2,400 orders seeded, "
            f"{changed} changed"
        )
        for key, value in cycles(changed=changed).items():
            print(f"{key}: {value if isinstance(value, dict) else round(value, 2)}")
    print("\n## First catalog sync with collections (500 products, default bucket)")
    for label, numbers in first_catalog_with_collections().items():
        print(f"{label}: {numbers}")
    if args.cycles_only:
        return

    small = paged(products=500, orders=2000)
    print("\n## Paged sync (in-process sandbox, 2000-point bucket)")
    for key, value in small.items():
        print(f"{key}: {value if isinstance(value, dict) else round(value, 2)}")

    # A small bucket (100 points, 10 a second): pages must request under 100 points, most of
    # which Shopify refunds; waits and THROTTLED answers are what pacing decides.
    tiny = paged(
        products=50 // scale * 10, orders=200 // scale * 10, bucket_size=100, restore_rate=10
    )
    print("\n## Paged sync (in-process sandbox, 100-point bucket restoring 10/s)")
    for key, value in tiny.items():
        print(f"{key}: {value if isinstance(value, dict) else round(value, 2)}")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for products, orders, label in (
        (50_000 // scale // 10, 790_000 // scale // 10, "tenth"),
        (50_000 // scale, 790_000 // scale, "full"),
    ):
        process, url, token, seed_seconds = big_shop(products, orders, args.port)
        try:
            stats = shop_stats(url)
            hwm = vm_hwm(process.pid)
            print(
                f"\n## Big shop ({label}): {stats['variants']} variants, {stats['orders']} orders, "
                f"{stats['order_lines']} order lines"
            )
            print(
                f"sandbox seed + start: {seed_seconds:.1f} s, sandbox peak memory (VmHWM): {hwm:.0f} MB"
            )
            result = bulk_catalog(url, token, trace=True)
            print(
                f"bulk first sync of the catalog: {result['variants']} variants in {result['seconds']:.1f} s "
                f"({result['variants'] / result['seconds']:.0f} variants/s), {result['pages']} pages, "
                f"{result['requests']} API calls, adapter peak traced memory {result['peak_traced_mb']:.1f} MB"
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nbench process peak RSS: {rss_after:.0f} MB (before the bulk runs: {rss_before:.0f} MB)"
    )


if __name__ == "__main__":
    main()
