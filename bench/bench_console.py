"""Benchmark the support console's pages on a big shop in SQLite (run by hand, not in tests).

    PYTHONPATH=. python bench/bench_console.py [--orders 100000] [--waiting 50000]

Fills a fresh SQLite state database with ``--orders`` orders of 3 lines each over 10,000 SKUs
and ``--waiting`` waiting lines in the queue, logs in to the daemon's /console through its WSGI
app (no network), then times each page 20 times and prints the best and median in milliseconds.
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
from connector.model import BackorderEntry, Customer, Money, Order, OrderLine, OrderStatus
from connector.web.passwords import hash_password

START = datetime(2026, 11, 1, tzinfo=UTC)
SKUS = 10_000
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
        db.replace_queue("bench", queue(made, args.waiting))
        print(
            f"{args.orders} orders x 3 lines, {args.waiting} waiting lines stored in "
            f"{time.perf_counter() - began:.1f} s"
        )
        os.environ["BENCH_CONSOLE_SECRET"] = "b" * 40
        settings = parse_settings(
            {
                "database_url": url,
                "shops": [
                    {
                        "name": "bench",
                        "platform": "woocommerce",
                        "url": "https://bench.example.com",
                        "enabled": False,
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
        }
        for label, path in pages.items():
            times = []
            for _ in range(20):
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
