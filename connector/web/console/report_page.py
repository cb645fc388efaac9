"""The console's report page: ``connector report``'s numbers per shop, with SVG bar charts.

The numbers come from :func:`~connector.reports.shop_report`, the one function behind the CLI's
``report`` and ``/metrics``; the charts only draw them (:mod:`connector.web.console.charts`).
The customers' choices are :func:`~connector.web.customer_report.choices_lines`, as the CLI
prints them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from connector.engine.metrics import BackorderReport
from connector.reports import REPORT_DAYS, shop_report
from connector.web.console.charts import BarChart, bar_chart, buckets
from connector.web.console.routes import Route
from connector.web.customer_report import choices_lines, choices_report

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["AGES", "LATENESS", "ROUTES", "report_charts", "shop_report_of"]

AGES: tuple[tuple[str, int | None, int | None], ...] = (
    ("0-7 days", None, 7),
    ("8-14 days", 8, 14),
    ("15-30 days", 15, 30),
    ("31-60 days", 31, 60),
    ("over 60 days", 61, None),
)
LATENESS: tuple[tuple[str, int | None, int | None], ...] = (
    ("early or on time", None, 0),
    ("1-3 days late", 1, 3),
    ("4-7 days late", 4, 7),
    ("8-14 days late", 8, 14),
    ("over 14 days late", 15, None),
)
MAX_DAYS = 3650


def _percent(value: float | None) -> float:
    return 0.0 if value is None else round(value * 100, 1)


def report_charts(report: BackorderReport) -> list[BarChart]:
    """The report's charts: its rates, waiting lines by age, promises against delivery, and the
    SKUs most short."""
    undated = sum(1 for late in report.lateness_days if late is None)
    dated = [late for late in report.lateness_days if late is not None]
    return [
        bar_chart(
            "Rates",
            [
                ("backorder rate", _percent(report.backorder_rate)),
                ("fill rate", _percent(report.fill_rate)),
                ("promises kept", _percent(report.on_time_rate)),
            ],
            maximum=100,
            unit="%",
            note="A rate with nothing to divide by shows 0% here and n/a in the table.",
        ),
        bar_chart(
            "Waiting lines by age (days since ordered)", buckets(report.waiting_ages_days, AGES)
        ),
        bar_chart(
            "Served lines against the first date promised",
            buckets(dated, LATENESS),
            note=f"{undated} served lines had no date promised." if undated else "",
        ),
        bar_chart(
            "Units short, top SKUs",
            [(item.sku, float(item.units_short)) for item in report.top_skus],
        ),
    ]


def _days(request: Request) -> int:
    try:
        days = int(request.args.get("days", REPORT_DAYS))
    except ValueError:
        return REPORT_DAYS
    return min(max(days, 1), MAX_DAYS)


def shop_report_of(
    app: ConsoleApp, shop: str, days: int, *, fresh: bool = False
) -> tuple[BackorderReport, datetime | None]:
    """The daemon's last report of ``shop`` over the default window, else (another window, no
    warm cycle yet, or ``fresh``) ``connector report``'s worked out now; with the instant the
    daemon worked it out (None: now)."""
    view = None if fresh or days != REPORT_DAYS else app.data.view(shop)
    if view is not None and view.report is not None:
        return view.report, view.report.until
    return shop_report(app.data.engine, shop, app.data.clock(), days), None


def on_report(app: ConsoleApp, request: Request, session: Session) -> Response:
    """Each enabled shop's report over ``?days=`` (default 90), as ``connector report``."""
    days, now = _days(request), app.data.clock()
    fresh = request.args.get("fresh") == "1"
    shops: list[dict[str, Any]] = []
    for name, shop in app.data.shops.items():
        if not shop.enabled:
            continue
        report, as_of = shop_report_of(app, name, days, fresh=fresh)
        # The choices cover the report's own window, also when the report is the daemon's.
        until = as_of or now
        choices = choices_report(
            app.data.engine, name, since=until - timedelta(days=days), until=until
        )
        shops.append(
            {
                "report": report,
                "rows": report.rows(),
                "charts": report_charts(report),
                "choices": choices_lines(choices, shop.locale),
                "as_of": as_of,
            }
        )
    context = {"shops": shops, "days": days, "fresh": fresh}
    return app.render(request, session, "report", context)


ROUTES = (Route("/report", "report", "GET", on_report),)
