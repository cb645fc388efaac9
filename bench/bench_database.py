"""Benchmark the state database: upserts and reads of a sync's worth of objects (run by hand).

    python bench/bench_database.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Pages of 250 objects, each page in one transaction with its cursor write, as connector.sync does.
PostgreSQL runs in a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa

from connector.db import open_database
from connector.model import Customer, Money, Order, OrderLine, OrderStatus, Product, Variant

T = TypeVar("T")
START = datetime(2026, 11, 1, tzinfo=UTC)
PAGE = 250


def catalog(count: int) -> tuple[list[Product], list[Variant]]:
    products = [Product("bench", f"p{i}", f"Product {i}", START) for i in range(count // 2)]
    variants = [
        Variant(
            "bench",
            f"v{i}",
            f"p{i // 2}",
            f"SKU-{i}",
            f"V {i}",
            Money(Decimal("9.90"), "EUR"),
            START + timedelta(seconds=i),
            available=i % 7 - 3,
        )
        for i in range(count)
    ]
    return products, variants


def orders(count: int, stamp: datetime) -> list[Order]:
    made = []
    for i in range(count):
        customer = Customer("bench", f"c{i % 500}@example.com", f"Customer {i % 500}", "en")
        lines = tuple(
            OrderLine(
                f"l{i}-{j}",
                f"o{i}",
                f"v{(i + j) % 1000}",
                f"SKU-{(i + j) % 1000}",
                "V",
                1 + j,
                Money(Decimal("9.90"), "EUR"),
            )
            for j in range(3)
        )
        made.append(
            Order(
                "bench",
                f"o{i}",
                f"#{1000 + i}",
                START,
                stamp,
                OrderStatus.OPEN,
                "EUR",
                customer,
                lines,
            )
        )
    return made


def timed(label: str, work: Callable[[], object]) -> None:
    began = time.perf_counter()
    work()
    print(f"  {label:<34} {time.perf_counter() - began:6.2f} s")


def pages(items: Sequence[T]) -> list[Sequence[T]]:
    return [items[i : i + PAGE] for i in range(0, len(items), PAGE)]


def run(url: str) -> None:
    db = open_database(url)
    products, variants = catalog(10_000)
    first, again = orders(5_000, START), orders(5_000, START + timedelta(hours=1))

    def upsert_catalog() -> None:
        with db.transaction() as tx:
            tx.upsert_products(products)
        for page in pages(variants):
            with db.transaction() as tx:
                tx.upsert_variants(page)
                tx.set_cursor("bench", "products", page[-1].platform_id)

    def upsert_orders(batch: list[Order]) -> Callable[[], None]:
        def work() -> None:
            for page in pages(batch):
                with db.transaction() as tx:
                    tx.upsert_orders(page)
                    tx.set_cursor("bench", "orders", page[-1].platform_id)

        return work

    timed("10,000 variants upserted", upsert_catalog)
    timed("5,000 orders x 3 lines upserted", upsert_orders(first))
    timed("the same 5,000 orders again (newer)", upsert_orders(again))
    timed("read 5,000 orders with lines", lambda: db.orders("bench"))
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="also run against this PostgreSQL URL")
    args = parser.parse_args()
    print(
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(f"sqlite:///{folder}/bench.db")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(args.postgres)
        with engine.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        try:
            print("PostgreSQL")
            run(f"{args.postgres}?options=-csearch_path%3D{schema}")
        finally:
            with engine.begin() as conn:
                conn.execute(sa.text(f'drop schema "{schema}" cascade'))
            engine.dispose()


if __name__ == "__main__":
    main()
