"""The overview's small charts: the report's headline numbers day by day.

Where the days come from: each time the daemon works the report out after a cycle (at most every
5 minutes, :mod:`connector.daemon_views`), the run's ``cycle_runs`` row keeps its backorder rate,
fill rate, promises kept and open value (:func:`~connector.cycle_report.report_series`). A day's
bar is the last of that day (UTC). Rows are kept 30 days; days the daemon did not run, or ran
before this was built, have no bar. The report itself is not worked out again per day: open
value is a count of the queue at an instant, which no history query can give back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.cycle_report import report_series
from connector.daemon_views import open_value
from connector.model import utc
from connector.web.console.charts import BarChart, bar_chart

__all__ = ["DAYS", "daily_headlines", "overview_charts"]

DAYS = 7


def daily_headlines(
    engine: sa.Engine, shop: str, now: datetime, days: int = DAYS
) -> dict[date, dict[str, Any]]:
    """The last headline of each of the last ``days`` UTC days (today included) that has one."""
    today = utc(now).date()
    first = today - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=utc(now).tzinfo)
    found: dict[date, dict[str, Any]] = {}
    for started_at, numbers in report_series(engine, shop, since):
        day = utc(started_at).date()
        if first <= day <= today:
            found[day] = numbers  # oldest first: the day's last one stays
    return found


def _rate(value: Any) -> float:
    return 0.0 if value is None else round(float(value) * 100, 1)


def overview_charts(engine: sa.Engine, shop: str, currency: str, now: datetime) -> list[BarChart]:
    """Backorder rate, fill rate, promises kept and open value over the last :data:`DAYS` days."""
    days = daily_headlines(engine, shop, now)
    label = {day: day.strftime("%a %d %b") for day in days}
    currencies = {c for numbers in days.values() for c in numbers.get("open_value", {})}
    shown = currency if currency in currencies or not currencies else sorted(currencies)[0]
    charts = [
        bar_chart(
            title,
            [(label[day], _rate(numbers.get(key))) for day, numbers in days.items()],
            maximum=100,
            unit="%",
        )
        for title, key in (
            ("Backorder rate", "backorder_rate"),
            ("Fill rate", "fill_rate"),
            ("Promises kept", "on_time_rate"),
        )
    ]
    charts.append(
        bar_chart(
            f"Open backorder value ({shown})",
            [(label[day], open_value(numbers, shown) or 0.0) for day, numbers in days.items()],
        )
    )
    return charts
