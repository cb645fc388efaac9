"""The numbers of ``connector report``, read from the state database: one function for the CLI
and for ``/metrics``, so the two can never disagree (no second copy of any query)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from connector.db import Database
from connector.engine.metrics import BackorderReport, backorder_report
from connector.model import BackorderEntry, BackorderEvent, Order

__all__ = ["REPORT_DAYS", "shop_report"]

REPORT_DAYS = 90
"""The window of ``connector report`` by default, and of the gauges in ``/metrics``."""


def shop_report(db: Database, shop: str, now: datetime, days: int = REPORT_DAYS) -> BackorderReport:
    """``shop``'s backorder report over the last ``days`` up to ``now``."""
    since = now - timedelta(days=days)
    events = db.events(shop, since=since)
    queue = db.queue(shop)
    orders = _report_orders(db, shop, db.orders(shop, since=since), queue, events)
    return backorder_report(shop, events, queue=queue, orders=orders, until=now, since=since)


def _report_orders(
    db: Database,
    shop: str,
    orders: Iterable[Order],
    queue: Iterable[BackorderEntry],
    events: Iterable[BackorderEvent],
) -> list[Order]:
    """The window's orders, plus older ones still waiting (their value is still owed) and those
    of the window's events (a line served this month may belong to an order placed long ago: its
    wait counts from that order's time)."""
    found = {order.platform_id: order for order in orders}
    wanted = [entry.order_id for entry in queue] + [e.order_id for e in events if e.order_id]
    for order_id in dict.fromkeys(wanted):
        if order_id not in found:
            order = db.order(shop, order_id)
            if order is not None:
                found[order.platform_id] = order
    return list(found.values())
