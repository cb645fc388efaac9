"""``connector report``'s numbers summed by the database (connector/report_reads.py) are the
numbers the report gave when it loaded every order of the window and added them up in Python:
the same report, CSV and JSON for the same generated shop, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from connector.db import Database, open_database
from connector.engine.metrics import BackorderReport, backorder_report
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Customer,
    Money,
    Order,
    OrderLine,
    OrderStatus,
)
from connector.reports import shop_report

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SHOP = "acme"
SKUS = [f"SKU-{i}" for i in range(8)]
PRICES = [Decimal("19.90"), Decimal("5"), Decimal("129.99"), Decimal("0.10")]
KINDS = [
    BackorderEventKind.DETECTED,
    BackorderEventKind.DETECTED,
    BackorderEventKind.ALLOCATED,
    BackorderEventKind.ALLOCATED,
    BackorderEventKind.CANCELLED,
    BackorderEventKind.ETA_SET,
]


def loaded_report(db: Database, shop: str, now: datetime, days: int) -> BackorderReport:
    """The report as ``shop_report`` worked it out before: every order of the window loaded,
    then each order the queue or an event named, one at a time (kept here as the reference)."""
    since = now - timedelta(days=days)
    events = db.events(shop, since=since)
    queue = db.queue(shop)
    found = {order.platform_id: order for order in db.orders(shop, since=since)}
    wanted = [entry.order_id for entry in queue] + [e.order_id for e in events if e.order_id]
    for order_id in dict.fromkeys(wanted):
        if order_id not in found:
            order = db.order(shop, order_id)
            if order is not None:
                found[order.platform_id] = order
    orders = list(found.values())
    return backorder_report(shop, events, queue=queue, orders=orders, until=now, since=since)


def _moment(rnd: random.Random, low_days: float, high_days: float) -> datetime:
    return NOW - timedelta(seconds=round(rnd.uniform(low_days, high_days) * 86400))


def generate(db: Database, seed: int, shop: str = SHOP) -> None:
    """A shop with a long history: orders before, inside and after the window, updated late or
    not, waiting lines of old orders and of orders not stored, lines detected before the window
    and served in it, allocations in two steps, cancellations, promised dates or none, and
    prices in two currencies."""
    rnd = random.Random(seed)
    orders: list[Order] = []
    for n in range(160):
        created = _moment(rnd, 200, -1)
        updated = min(created + timedelta(days=rnd.choice([0, 0, 1, 30, 120])), NOW)
        oid = f"{shop}-O{n}"
        currency = rnd.choice(["EUR", "EUR", "USD"])
        lines = tuple(
            OrderLine(
                platform_id=f"{oid}-L{k}",
                order_id=oid,
                variant_id=None,
                sku=rnd.choice(SKUS),
                title="a thing",
                quantity=rnd.randint(1, 4),
                price=Money(rnd.choice(PRICES), currency),
            )
            for k in range(rnd.randint(1, 3))
        )
        orders.append(
            Order(
                shop=shop,
                platform_id=oid,
                number=f"#{1000 + n}",
                created_at=created,
                updated_at=max(updated, created),
                status=rnd.choice([OrderStatus.OPEN, OrderStatus.OPEN, OrderStatus.CANCELLED]),
                currency=currency,
                customer=Customer(shop=shop, email=f"c{n}@example.com", name=f"C {n}"),
                lines=lines,
            )
        )
    with db.transaction() as tx:
        tx.upsert_orders(orders)
    every_line = [(o, line) for o in orders for line in o.lines]
    ghost = Order(
        shop=shop,
        platform_id=f"{shop}-gone",
        number="#gone",
        created_at=NOW - timedelta(days=3),
        updated_at=NOW - timedelta(days=3),
        status=OrderStatus.OPEN,
        currency="EUR",
        customer=Customer(shop=shop, email="gone@example.com", name="Gone"),
        lines=(
            OrderLine(
                platform_id=f"{shop}-gone-L0",
                order_id=f"{shop}-gone",
                variant_id=None,
                sku=SKUS[0],
                title="never stored",
                quantity=2,
                price=Money(Decimal("9.99"), "EUR"),
            ),
        ),
    )
    every_line.append((ghost, ghost.lines[0]))  # an order the store never saw
    queue: list[BackorderEntry] = []
    for position, (o, line) in enumerate([*rnd.sample(every_line, 70), every_line[-1]]):
        queue.append(
            BackorderEntry(
                shop=shop,
                sku=line.sku,
                order_id=o.platform_id,
                line_id=line.platform_id,
                customer_email=o.customer.email,
                ordered_at=o.created_at,
                waiting=rnd.choice([0, 1, 1, 2, 3]),
                position=position,
            )
        )
    db.replace_queue(shop, queue)
    events: list[BackorderEvent] = []
    for o, line in [*rnd.sample(every_line, 120), every_line[-1]]:
        for _ in range(rnd.randint(1, 4)):
            kind = rnd.choice(KINDS)
            eta = rnd.choice([None, date(2026, 12, 10), (NOW - timedelta(days=20)).date()])
            events.append(
                BackorderEvent(
                    shop=shop,
                    at=max(_moment(rnd, 150, -2), o.created_at),
                    kind=kind,
                    sku=line.sku,
                    quantity=rnd.randint(1, line.quantity),
                    order_id=o.platform_id,
                    line_id=line.platform_id,
                    customer_email=o.customer.email,
                    eta=eta,
                )
            )
    events.sort(key=lambda e: e.at)
    db.append_events(events)


def _outputs(report: BackorderReport) -> tuple[str, list[tuple[str, str]]]:
    return json.dumps(report.as_dict()), report.rows()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summed_report_is_the_loaded_one(any_db_url: str, seed: int) -> None:
    db = open_database(any_db_url)
    try:
        generate(db, seed)
        generate(db, seed + 100, shop="other")  # another shop's history is not this one's
        for days in (90, 30, 365):
            old = loaded_report(db, SHOP, NOW, days)
            new = shop_report(db.engine, SHOP, NOW, days)
            assert old.lines_ordered > 0 and old.lines_allocated > 0 and old.waiting_lines > 0
            assert old.open_value and old.lateness_days and old.cancelled_lines
            assert _outputs(new) == _outputs(old)
            assert new == old  # the charts' ages and lateness too, in the same order
    finally:
        db.close()


def _sample(report: BackorderReport) -> Iterable[object]:
    return (report.lines_ordered, report.open_value, report.average_wait_days)


def test_the_difference_would_show(any_db_url: str) -> None:
    """The comparison above can fail: a waiting line's price changed after the report moves the
    open value of both ways of working it out, and a stale reference no longer matches."""
    db = open_database(any_db_url)
    try:
        generate(db, 7)
        before = shop_report(db.engine, SHOP, NOW)
        waiting = next(e for e in db.queue(SHOP) if e.waiting)
        order = db.order(SHOP, waiting.order_id)
        assert order is not None
        lines = tuple(
            replace(line, price=Money(line.price.amount + 1, line.price.currency))
            if line.platform_id == waiting.line_id
            else line
            for line in order.lines
        )
        with db.transaction() as tx:
            tx.upsert_orders([replace(order, lines=lines, updated_at=NOW)])
        after = shop_report(db.engine, SHOP, NOW)
        assert after.open_value != before.open_value
        assert after == loaded_report(db, SHOP, NOW, 90)
        assert tuple(_sample(after)) != tuple(_sample(before))
    finally:
        db.close()


def test_the_units_sold_for_reorder_are_the_loaded_orders_units(any_db_url: str) -> None:
    """``report --reorder``'s sales per SKU, summed by the database, against the orders loaded."""
    from connector.reports import _sold_by_sku

    db = open_database(any_db_url)
    try:
        generate(db, 4)
        generate(db, 104, shop="other")
        since = NOW - timedelta(days=30)
        loaded: dict[str, int] = {}
        for order in db.orders(SHOP):
            if order.created_at < since or order.status is OrderStatus.CANCELLED:
                continue
            for line in order.lines:
                if line.sku:
                    loaded[line.sku] = loaded.get(line.sku, 0) + line.quantity - line.cancelled
        expected = {sku: units for sku, units in loaded.items() if units > 0}
        assert expected and _sold_by_sku(db.engine, SHOP, since) == expected
    finally:
        db.close()
