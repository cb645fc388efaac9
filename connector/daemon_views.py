"""After a warm cycle: publish its plan, and now and then the report and reorder suggestions,
for the console (:mod:`connector.shop_views`).

The plan costs nothing more: the cycle made it. The report and the suggestions read the history
and the catalog from the database (seconds on a big shop), so they are worked out at most every
:data:`~connector.daemon_metrics.REPORT_EVERY`, through the same :class:`ReportCache` as
``/metrics`` (one computation serves both), on the cycle's thread after its writes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from connector.cycle_report import CycleReport
from connector.daemon_metrics import REPORT_EVERY, ReportCache
from connector.db import Database
from connector.engine.metrics import BackorderReport
from connector.reports import shop_reorder
from connector.settings import Settings
from connector.shop_views import PlanView, ShopViews, plan_numbers
from connector.warm_engine import ShopEngine

__all__ = ["after_cycle", "headline", "open_value"]

log = logging.getLogger(__name__)


def headline(report: BackorderReport) -> dict[str, Any]:
    """The numbers the overview charts day by day: three rates and what is owed (as text)."""
    return {
        "backorder_rate": report.backorder_rate,
        "fill_rate": report.fill_rate,
        "on_time_rate": report.on_time_rate,
        "open_value": {currency: str(value) for currency, value in report.open_value.items()},
    }


def after_cycle(
    views: ShopViews,
    *,
    db: Database,
    settings: Settings,
    reports: ReportCache,
    warm: ShopEngine | None,
    cycle: CycleReport,
    now: datetime,
) -> None:
    """Publish what ``cycle`` planned (when a warm engine planned it and its queue was saved),
    and the report and suggestions when they are older than :data:`REPORT_EVERY`."""
    shop = cycle.shop
    plan = cycle.plan
    if warm is None or not warm.warm or plan is None or not cycle.ok:
        return  # nothing new of the warm engine's: the view keeps the last cycle's
    found = db.orders_by_ids(shop, {action.order_id for action in plan.order_actions})
    views.publish(shop, plan=PlanView(cycle.started_at, plan, plan_numbers(plan, found)))
    view = views.get(shop)
    last = view.reorder_at if view is not None else None
    if last is not None and timedelta(0) <= now - last < REPORT_EVERY:
        return
    try:
        report = reports.report(shop)
        reorder = tuple(shop_reorder(db, db.engine, settings, shop, now))
    except Exception:
        # The cycle did its work; the console keeps the older numbers and says how old.
        log.exception("working out the report for the console failed")
        return
    views.publish(shop, report=report, reorder=reorder, reorder_at=now)
    cycle.headline = headline(report)


def open_value(numbers: dict[str, Any], currency: str) -> float | None:
    """The open value in ``currency`` from a headline (None when it had none in it)."""
    value = numbers.get("open_value", {}).get(currency)
    return None if value is None else float(Decimal(value))
