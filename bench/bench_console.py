"""Benchmark the support console's pages on a big shop in SQLite (run by hand, not in tests).

    PYTHONPATH=. python bench/bench_console.py [--orders 100000] [--waiting 50000]

Fills a fresh SQLite state database with ``--orders`` orders of 3 lines each over 10,000 SKUs
(each a variant sold beyond its stock, every tenth with an open purchase order) and ``--waiting``
waiting lines in the queue, logs in to the daemon's /console through its WSGI app (no network),
then times each page (20 times; the plan, reorder and report pages, which read the whole shop,
3 times) and prints the best and median in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from werkzeug.test import Client

from connector.clock import FrozenClock
from connector.config import parse_settings
from connector.daemon import Daemon
from connector.db import open_database
from connector.model import (
    BackorderEntry,
    Customer,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    Variant,
)
from connector.web.passwords import hash_password

START = datetime(2026, 11, 1, tzinfo=UTC)
SKUS = 10_000
HEAVY = {"plan (connector plan)", "reorder (report --reorder)", "report, 90 days (report)"}
"""Pages timed 3 times, not 20: each reads the whole shop."""
PASSWORD = "a password for the benchmark"


def orders(count: int) -> list[Order]:
    made = []
    for i in range(count):
        customer = Customer("bench", f"c{i % 5000}@example.com", f"Customer {i % 5000}", "en")
        lines = tuple(
            OrderLine(
                f"l{i}-{j}",
                f"o{i}",
                f"v{(i + j) % SKUS}",
                f"SKU-{(i + j) % SKUS}",
                "V",
                1,
                Money(Decimal("9.90"), "EUR"),
            )
            for j in range(3)
        )
        placed = START + timedelta(seconds=i)
        made.append(
            Order(
                "bench",
                f"o{i}",
                f"#{1000 + i}",
                placed,
                placed,
                OrderStatus.OPEN,
                "EUR",
                customer,
                lines,
            )
        )
    return made


def catalog(skus: int) -> tuple[list[Product], list[Variant], list[PurchaseOrder]]:
    """One product per 10 SKUs; every variant sold beyond stock; every tenth SKU on order."""
    products = [Product("bench", f"p{i}", f"Product {i}", START) for i in range(skus // 10 + 1)]
    variants = [
        Variant(
            "bench",
            f"v{i}",
            f"p{i // 10}",
            f"SKU-{i}",
            "V",
            Money(Decimal("9.90"), "EUR"),
            START,
            available=-5,
        )
        for i in range(skus)
    ]
    due = START.date() + timedelta(days=21)
    pos = [
        PurchaseOrder(f"PO-{i}", "bench", f"SKU-{i}", 20, due, supplier="Bench Supply")
        for i in range(0, skus, 10)
    ]
    return products, variants, pos


def queue(made: list[Order], waiting: int) -> list[BackorderEntry]:
    entries, positions = [], dict[str, int]()
    for order in made:
        for line in order.lines:
            if len(entries) >= waiting:
                return entries
            positions[line.sku] = positions.get(line.sku, 0) + 1
            entries.append(
                BackorderEntry(
                    "bench",
                    line.sku,
                    order.platform_id,
                    line.platform_id,
                    order.customer.email,
                    order.created_at,
                    1,
                    position=positions[line.sku],
                    eta=START.date() + timedelta(days=21),
                    reason="first come, first served",
                )
            )
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--waiting", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'state.db'}"
        clock = FrozenClock(START + timedelta(days=2))
        db = open_database(url, clock=clock)
        made = orders(args.orders)
        began = time.perf_counter()
        for index in range(0, len(made), 1000):
            with db.transaction() as tx:
                tx.upsert_orders(made[index : index + 1000])
        products, variants, pos = catalog(SKUS)
        with db.transaction() as tx:
            tx.upsert_products(products)
            tx.upsert_variants(variants)
            for po in pos:
                tx.add_purchase_order(po)
        db.replace_queue("bench", queue(made, args.waiting))
        print(
            f"{args.orders} orders x 3 lines, {args.waiting} waiting lines stored in "
            f"{time.perf_counter() - began:.1f} s"
        )
        os.environ["BENCH_CONSOLE_SECRET"] = "b" * 40
        os.environ["BENCH_KEY"] = "ck_" + "0" * 40
        os.environ["BENCH_SECRET"] = "cs_" + "0" * 40
        settings = parse_settings(
            {
                "database_url": url,
                "shops": [
                    {
                        "name": "bench",
                        "platform": "woocommerce",
                        "url": "https://bench.example.com",
                        "consumer_key": "env:BENCH_KEY",
                        "consumer_secret": "env:BENCH_SECRET",
                    }
                ],
                "console": {
                    "secret": "env:BENCH_CONSOLE_SECRET",
                    "users": [
                        {"name": "o", "role": "owner", "password_hash": hash_password(PASSWORD)}
                    ],
                },
            }
        )
        daemon = Daemon(settings, db, clock=clock)
        client = Client(daemon.web_app())
        form = client.get("/console/login").get_data(as_text=True)
        token = form.split('name="csrf" value="')[1].split('"')[0]
        client.post("/console/login", data={"csrf": token, "user": "o", "password": PASSWORD})
        middle = made[len(made) // 3]
        pages = {
            "overview (connector status)": "/console/",
            "find by number": f"/console/orders?q={middle.number.lstrip('#')}",
            "find by email": f"/console/orders?q={middle.customer.email}",
            "order (connector order N)": f"/console/order?shop=bench&id={middle.platform_id}",
            "a SKU's queue": f"/console/queue?sku={middle.lines[0].sku}",
            "purchase orders": "/console/purchase-orders",
            "reorder (report --reorder)": "/console/reorder",
            "report, 90 days (report)": "/console/report",
            "plan (connector plan)": "/console/plan",
        }
        for label, path in pages.items():
            times = []
            for _ in range(3 if label in HEAVY else 20):
                began = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
                assert answer.status_code in (200, 303), (path, answer.status_code)
            print(
                f"  {label:<30} best {min(times):7.1f} ms, median {statistics.median(times):7.1f} ms"
            )
        daemon.close()
        db.close()


if __name__ == "__main__":
    main()
