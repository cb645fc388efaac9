"""The numbers of ``connector report``, read from the state database: one function for the CLI
and for ``/metrics``, so the two can never disagree (no second copy of any query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from connector.db import schema as t
from connector.db.store import StateStore
from connector.engine.metrics import BackorderReport, report_from_parts
from connector.engine.reorder import (
    ReorderInput,
    ReorderRules,
    ReorderSuggestion,
    Supplier,
    suggest_reorders,
)
from connector.model import OrderStatus
from connector.purchase_orders import shop_today
from connector.report_reads import (
    ordered_in_window,
    report_events,
    scanned,
    served_ordered_at,
    waiting_with_prices,
)
from connector.settings import Settings

__all__ = [
    "REORDER_COLUMNS",
    "REPORT_DAYS",
    "reorder_rows",
    "reorder_rules",
    "shop_reorder",
    "shop_report",
]

REPORT_DAYS = 90
"""The window of ``connector report`` by default, and of the gauges in ``/metrics``."""


def shop_report(
    engine: sa.Engine, shop: str, now: datetime, days: int = REPORT_DAYS
) -> BackorderReport:
    """``shop``'s backorder report over the last ``days`` up to ``now``, from the state
    database ``engine``.

    The database counts and narrows what the report reads (:mod:`connector.report_reads`);
    the pure engine adds it up (:func:`~connector.engine.metrics.report_from_parts`)."""
    since = now - timedelta(days=days)
    with engine.connect() as conn, conn.begin():
        lines, units = ordered_in_window(conn, shop, since, now)
        events = report_events(conn, shop, since, now)
        ordered_at = served_ordered_at(conn, shop, since, now)
        queue, prices = waiting_with_prices(conn, shop)
    return report_from_parts(
        shop,
        events,
        queue=queue,
        lines_ordered=lines,
        units_ordered=units,
        ordered_at=ordered_at,
        prices=prices,
        until=now,
        since=since,
    )


def reorder_rules(settings: Settings) -> ReorderRules:
    """The engine's reorder rules from ``[reorder]`` and ``[[suppliers]]``."""
    config = settings.reorder
    return ReorderRules(
        cover_days=config.cover_days,
        safety_days=config.safety_days,
        velocity_days=config.velocity_days,
        lead_time_days=config.lead_time_days,
        suppliers=tuple(Supplier(s.name, s.lead_time_days, s.skus) for s in settings.suppliers),
    )


def _sold_by_sku(engine: sa.Engine, shop: str, since: datetime) -> dict[str, int]:
    """Units ordered per SKU since ``since`` (placed then, not cancelled), summed by the database:
    loading every order of the window to count it took seconds on a big shop."""
    o, line = t.orders, t.order_lines
    placed = sa.select(o.c.platform_id).where(
        o.c.shop == shop, o.c.created_at >= since, o.c.status != OrderStatus.CANCELLED.value
    )
    with engine.connect() as conn:
        query = (
            sa.select(line.c.sku, sa.func.sum(line.c.quantity - line.c.cancelled))
            .where(
                scanned(conn, line.c.shop) == shop, line.c.order_id.in_(placed), line.c.sku != ""
            )
            .group_by(line.c.sku)
        )
        return {sku: int(units) for sku, units in conn.execute(query) if units and units > 0}


def _waiting_by_sku(engine: sa.Engine, shop: str) -> dict[str, int]:
    """Units waiting per SKU in the stored queue, summed by the database (as ``queue_totals``
    counts it) rather than loading every waiting line."""
    q = t.backorder_queue
    query = (
        sa.select(q.c.sku, sa.func.sum(q.c.waiting))
        .where(q.c.shop == shop, q.c.waiting > 0)
        .group_by(q.c.sku)
    )
    with engine.connect() as conn:
        return {sku: int(units) for sku, units in conn.execute(query)}


def _stock_by_sku(engine: sa.Engine, shop: str) -> dict[str, tuple[int, str]]:
    """(available, stock pool) of each tracked SKU: three columns, not whole variants."""
    v = t.variants
    query = sa.select(v.c.sku, v.c.available, v.c.stock_pool).where(
        v.c.shop == shop, v.c.tracked.is_(True), v.c.sku != ""
    )
    with engine.connect() as conn:
        return {sku: (int(available), pool or "") for sku, available, pool in conn.execute(query)}


def shop_reorder(
    db: StateStore, engine: sa.Engine, settings: Settings, shop: str, now: datetime
) -> list[ReorderSuggestion]:
    """``connector report --reorder`` for ``shop``: what to order, from whom, by when.

    Reads the stored queue (waiting units), the catalog's stock and pools, the units sold in the
    sales window and every purchase order (open ones bring units; the newest names the supplier).
    ``engine`` is ``db``'s: the sales and stock are summed by the database.
    """
    rules = reorder_rules(settings)
    waiting = _waiting_by_sku(engine, shop)
    sold = (
        _sold_by_sku(engine, shop, now - timedelta(days=rules.velocity_days))
        if rules.velocity_days > 0
        else {}
    )
    incoming: dict[str, int] = {}
    # Open ones as the store reads them: a PO closed short brings nothing, whatever it ordered.
    for po in db.purchase_orders(shop):
        incoming[po.sku] = incoming.get(po.sku, 0) + po.outstanding
    supplier: dict[str, tuple[datetime, str]] = {}
    for po in db.purchase_orders(shop, open_only=False):
        created = po.created_at or now
        if po.supplier and (po.sku not in supplier or created >= supplier[po.sku][0]):
            supplier[po.sku] = (created, po.supplier)
    stock = _stock_by_sku(engine, shop)
    skus = {*waiting, *(sku for sku in sold if sku in stock), *incoming}
    items = [
        ReorderInput(
            sku=sku,
            on_hand=stock.get(sku, (0, ""))[0],
            waiting=waiting.get(sku, 0),
            sold=sold.get(sku, 0),
            open_po_units=incoming.get(sku, 0),
            last_supplier=supplier.get(sku, (now, ""))[1],
            pool=stock.get(sku, (0, ""))[1],
        )
        for sku in sorted(skus)
    ]
    return suggest_reorders(items, rules, shop_today(settings, shop, now))


REORDER_COLUMNS = (
    "shop",
    "sku",
    "supplier",
    "units",
    "order_by",
    "arrives_by",
    "lead_time_days",
    "waiting",
    "on_hand",
    "open_po_units",
    "daily_sales",
    "why",
)


def reorder_rows(shop: str, suggestions: Sequence[ReorderSuggestion]) -> list[list[str]]:
    """One CSV row per suggestion, in :data:`REORDER_COLUMNS` order (a pool's SKUs joined by ``+``)."""
    return [
        [
            shop,
            s.key,
            s.supplier,
            str(s.units),
            s.order_by.isoformat(),
            s.arrives_by.isoformat(),
            str(s.lead_time_days),
            str(s.waiting),
            str(s.on_hand),
            str(s.open_po_units),
            f"{s.daily_sales:g}",
            s.why,
        ]
        for s in suggestions
    ]
