"""After a warm cycle: publish its plan, and now and then the report and reorder suggestions,
for the console (:mod:`connector.shop_views`).

The plan costs nothing more: the cycle made it. The report and the suggestions read the history
and the catalog from the database (summed there: seconds at the engine benchmark's size), so
they are worked out at most every :data:`~connector.daemon_metrics.REPORT_EVERY`, through the
same :class:`ReportCache` as ``/metrics`` (one computation serves both), and never more than a
tenth of the daemon's time (:func:`refresh_every`). A shop whose refresh takes a second or more
gets it on the views' worker thread (:data:`BACKGROUND_FROM`): the cycle never waits on it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from connector.clock import Clock
from connector.cycle_report import CycleReport
from connector.daemon_metrics import REPORT_EVERY, ReportCache
from connector.db import Database
from connector.engine.metrics import BackorderReport
from connector.reports import shop_reorder
from connector.settings import Settings
from connector.shop_views import PlanView, ShopViews, plan_numbers
from connector.warm_engine import ShopEngine

__all__ = ["BACKGROUND_FROM", "SHARE", "after_cycle", "headline", "open_value", "refresh_every"]

log = logging.getLogger(__name__)


def headline(report: BackorderReport) -> dict[str, Any]:
    """The numbers the overview charts day by day: three rates and what is owed (as text)."""
    return {
        "backorder_rate": report.backorder_rate,
        "fill_rate": report.fill_rate,
        "on_time_rate": report.on_time_rate,
        "open_value": {currency: str(value) for currency, value in report.open_value.items()},
    }


BACKGROUND_FROM = timedelta(seconds=1)
"""A shop whose last refresh took this long gets the next one on the views' worker thread
(:meth:`ShopViews.in_background`): the cycle does not wait for it, and its numbers are recorded
with the next cycle's run. A quicker one stays on the cycle's thread, recorded with its run."""

SHARE = 10
"""The report and suggestions take at most one part in this many of the daemon's time."""


def refresh_every(took: timedelta) -> timedelta:
    """How long the report and suggestions are kept: :data:`REPORT_EVERY`, longer when working
    them out took more than a tenth of that (a big shop: the cycles come first)."""
    return max(REPORT_EVERY, took * SHARE)


def after_cycle(
    views: ShopViews,
    *,
    db: Database,
    settings: Settings,
    reports: ReportCache,
    warm: ShopEngine | None,
    cycle: CycleReport,
    clock: Clock,
) -> None:
    """Publish what ``cycle`` planned (when a warm engine planned it and its queue was saved),
    and the report and suggestions when they are older than :func:`refresh_every` says."""
    shop = cycle.shop
    plan = cycle.plan
    if warm is None or not warm.warm or plan is None or not cycle.ok:
        return  # nothing new of the warm engine's: the view keeps the last cycle's
    found = db.orders_by_ids(shop, {action.order_id for action in plan.order_actions})
    views.publish(shop, plan=PlanView(cycle.started_at, plan, plan_numbers(plan, found)))
    owed = views.take_owed(shop)
    if owed is not None:
        cycle.headline = owed  # worked out off the last cycle: this run's row records it
    view = views.get(shop)
    now = clock()
    if (
        view is not None
        and view.reorder_at is not None
        and timedelta(0) <= now - view.reorder_at < refresh_every(view.reorder_took)
    ):
        return
    refresh = partial(
        _refresh, views, db=db, settings=settings, reports=reports, shop=shop, clock=clock
    )
    if view is not None and view.reorder_took >= BACKGROUND_FROM:
        views.in_background(shop, lambda: _owe(views, shop, refresh()))
        return
    numbers = refresh()
    if numbers is not None:
        cycle.headline = numbers


def _owe(views: ShopViews, shop: str, numbers: dict[str, Any] | None) -> None:
    if numbers is not None:
        views.owe(shop, numbers)


def _refresh(
    views: ShopViews,
    *,
    db: Database,
    settings: Settings,
    reports: ReportCache,
    shop: str,
    clock: Clock,
) -> dict[str, Any] | None:
    """Work out the report and suggestions, swap them into the shop's view whole, and return
    the report's :func:`headline` (None when they could not be worked out)."""
    now = clock()
    try:
        report = reports.report(shop)
        reorder = tuple(shop_reorder(db, db.engine, settings, shop, now))
    except Exception:
        # The cycle did its work; the console keeps the older numbers and says how old.
        log.exception("working out the report for the console failed")
        return None
    took = max(timedelta(0), clock() - now)
    views.publish(shop, report=report, reorder=reorder, reorder_at=now, reorder_took=took)
    return headline(report)


def open_value(numbers: dict[str, Any], currency: str) -> float | None:
    """The open value in ``currency`` from a headline (None when it had none in it)."""
    value = numbers.get("open_value", {}).get(currency)
    return None if value is None else float(Decimal(value))
