"""The console's report page: `connector report`'s numbers with server-rendered SVG bar charts,
read back here as a browser would draw them (issue 16)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from connector.engine.metrics import backorder_report
from connector.model import BackorderEvent, BackorderEventKind
from connector.reports import shop_report
from connector.web.console.report_page import report_charts
from tests.web.test_console import Console, console  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"


def charts_of(page: str) -> dict[str, list[tuple[str, float, float]]]:
    """Each chart's bars as (label, value, drawn width), by the chart's title."""
    found = {}
    for source in re.findall(r"<svg .*?</svg>", page, re.S):
        svg = ET.fromstring(source)
        title = svg.findtext(f"{SVG}title") or ""
        found[title] = [
            (
                g.get("data-label", ""),
                float(g.get("data-value", "0")),
                float(rect.get("width", "0")),
            )
            for g in svg.iter(f"{SVG}g")
            if (rect := g.find(f"{SVG}rect")) is not None
        ]
    return found


def test_the_report_page_draws_the_waiting_lines_by_age_and_the_rates(
    console: Console,  # noqa: F811
) -> None:
    console.clock.advance(timedelta(days=20))  # the demo's orders age
    sam = console.login("sam")
    answer = sam.get("/console/report?days=90")
    assert answer.status_code == 200
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]  # no script, no CDN
    page = answer.get_data(as_text=True)
    assert "<script" not in page
    charts = charts_of(page)
    report = shop_report(console.db.engine, "outlet", console.clock(), 90)

    ages = charts["Waiting lines by age (days since ordered)"]
    now = console.clock()
    waiting = {
        e.line_id: (now - e.ordered_at).days for e in console.db.queue("outlet") if e.waiting
    }
    assert sum(value for _, value, _ in ages) == len(waiting) == report.waiting_lines
    expected = [
        sum(1 for age in waiting.values() if age <= 7),
        sum(1 for age in waiting.values() if 8 <= age <= 14),
        sum(1 for age in waiting.values() if 15 <= age <= 30),
    ]
    assert [value for _, value, _ in ages][:3] == expected
    tallest = max(value for _, value, _ in ages)
    for _, value, width in ages:  # bars drawn to scale
        assert width == round(200 * value / tallest, 1)

    rates = {label: value for label, value, _ in charts["Rates"]}
    assert report.backorder_rate is not None
    assert rates["backorder rate"] == round(report.backorder_rate * 100, 1)
    assert f'<th scope="row">waiting_lines</th><td>{report.waiting_lines}</td>' in page
    assert "last 90 days" in page
    assert sam.get("/console/report?days=nonsense").status_code == 200  # the default window


def test_the_promise_chart_sorts_served_lines_by_days_late() -> None:
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    events = []
    # Promised Nov 10; served on the 9th, 10th, 12th, 20th and 30th; one with no date.
    for n, served in enumerate((9, 10, 12, 20, 30, 5)):
        eta = date(2026, 11, 10) if served != 5 else None
        line = f"L{n}"
        events += [
            BackorderEvent("s", start, BackorderEventKind.DETECTED, "A", 1, "O", line, eta=eta),
            BackorderEvent(
                "s", start.replace(day=served), BackorderEventKind.ALLOCATED, "A", 1, "O", line
            ),
        ]
    report = backorder_report("s", events, queue=[], orders=[], until=start + timedelta(days=40))
    promises = report_charts(report)[2]
    assert [(bar.label, bar.value) for bar in promises.bars] == [
        ("early or on time", 2),
        ("1-3 days late", 1),
        ("4-7 days late", 0),
        ("8-14 days late", 1),
        ("over 14 days late", 1),
    ]
    assert promises.note == "1 served lines had no date promised."


def test_the_report_page_lists_the_customers_choices_as_the_cli_prints_them(
    console: Console,  # noqa: F811
) -> None:
    from connector.web.customer_report import choices_lines, choices_report
    from connector.web.tables import CANCEL, KEEP_WAITING, record_choice

    sam = console.login("sam")
    assert "Customers' choices" not in sam.get("/console/report").get_data(as_text=True)
    [first, second, *_] = list(dict.fromkeys(e.order_id for e in console.db.queue("outlet")))
    for order_id, action in ((first, KEEP_WAITING), (second, CANCEL)):
        record_choice(
            console.db.engine,
            shop="outlet",
            order_id=order_id,
            action=action,
            promise=None,
            at=console.clock(),
            source="customer page",
        )
    page = sam.get("/console/report?days=30").get_data(as_text=True)
    assert "<h3>Customers' choices on their order pages</h3>" in page
    now = console.clock()
    lines = choices_lines(
        choices_report(console.db.engine, "outlet", since=now - timedelta(days=30), until=now)
    )
    assert "kept waiting (delay consent given): 1 order" in lines
    assert "customers asked to cancel: 1 order" in lines
    for line in lines:
        assert f"<li>{line}</li>" in page
