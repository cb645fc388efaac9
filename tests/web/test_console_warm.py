"""The console's plan, report and reorder pages inside the daemon: served from what its last warm
cycle worked out (the same lines and numbers the commands print for that state, "as of" that
cycle), worked out at the request before it (and with ``?fresh=1``), and the overview's charts
of the report day by day (issue 16)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV
from connector.model import PurchaseOrder
from connector.planning import plan_for_shop
from connector.status import minute_utc
from connector.web.app import compose
from tests.web.test_console import Console, console, text, waiting_order  # noqa: F401

SECTIONS = {"Storefront": "storefront", "Orders": "order", "Emails": "email"}


def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> str:
    """What ``connector ARGS`` prints for the console's config and database."""
    capsys.readouterr()
    assert main(["--config", str(tmp_path / "connector.toml"), *args]) == 0
    return capsys.readouterr().out


def cli_plan_lines(printed: str) -> list[str]:
    """The change lines of ``connector plan``'s text (its heading and summary left out)."""
    lines = [line.strip() for line in printed.splitlines()]
    return sorted(line for line in lines if line.startswith(("storefront ", "order ", "email ")))


def page_plan_lines(page: str) -> list[str]:
    """The plan page's rows, written as ``connector plan`` prints them."""
    found = []
    for part in re.split(r"<h3[^>]*>", page)[1:]:
        section = SECTIONS[part.split(" (")[0]]
        table = part.split("</table>")[0]
        for target, what, rule in re.findall(
            r'<tr><td>(.*?)</td><td>(.*?)</td><td class="muted">(.*?)</td></tr>', table
        ):
            if section == "storefront":
                found.append(f"storefront {target}: {what}" + (f"  [{rule}]" if rule else ""))
            elif section == "order":
                found.append(f"order {target}: {what}")
            else:
                found.append(f"email {what}")
    return sorted(found)


def page_report_rows(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', page))


def cli_report_rows(printed: str) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(printed)))[1:]
    # The customers' choices have their own table on the page (tests/web/test_console_report.py).
    return {
        metric: value if value != "" else "n/a"
        for _, metric, value in rows
        if not metric.startswith("choices.")
    }


def csv_rows(data: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data)))


def add_supply(console: Console, po_id: str, units: int, sku: str = "") -> None:  # noqa: F811
    """A purchase order (for a waiting line's SKU), stored as ``connector po add`` stores it."""
    if not sku:
        order_id, _, _ = waiting_order(console)
        sku = next(e.sku for e in console.db.queue("outlet") if e.order_id == order_id)
    due = console.clock().date() + timedelta(days=3)
    console.db.add_purchase_order(
        PurchaseOrder(po_id, "outlet", sku, units, due, created_at=console.clock())
    )


def test_plan_report_and_reorder_pages_show_the_last_warm_cycle_as_the_commands_print_it(
    console: Console,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    olive = console.login("olive")
    add_supply(console, "SUP-1", 40)  # the next plan moves labels and promises
    planned = cli(capsys, tmp_path, "plan", "--shop", "outlet")
    expected = cli_plan_lines(planned)
    assert expected, "new supply changes what the shop shows"

    report = console.daemon.work_shop("outlet")  # builds the warm engine, plans, writes
    assert report is not None and report.ok and report.plan is not None

    page = text(olive.get("/console/plan"))
    assert f"As of the daemon's cycle of {minute_utc(report.started_at)}" in page
    assert page_plan_lines(page) == expected
    summary = [line.strip() for line in planned.splitlines() if " storefront changes, " in line]
    assert summary and summary[0] in page
    # The cycle wrote its plan: the command now finds (almost) nothing, the page still says what
    # the cycle did, as of then; ?fresh=1 works it out now, as the command does.
    after = cli_plan_lines(cli(capsys, tmp_path, "plan", "--shop", "outlet"))
    assert after != expected
    fresh = text(olive.get("/console/plan?fresh=1"))
    assert "Worked out now" in fresh and page_plan_lines(fresh) == after

    page = text(olive.get("/console/report"))
    assert "As of " in page and "Worked out now" not in page
    printed = cli(capsys, tmp_path, "report", "--shop", "outlet", "--csv")
    assert page_report_rows(page) == cli_report_rows(printed)
    assert int(page_report_rows(page)["waiting_lines"]) > 0

    shown = csv_rows(olive.get("/console/reorder.csv").get_data(as_text=True))
    assert shown == csv_rows(cli(capsys, tmp_path, "report", "--reorder", "--csv"))
    assert len(shown) > 1
    page = text(olive.get("/console/reorder"))
    assert f"As of {minute_utc(console.clock())}" in page

    # Supply added elsewhere (`connector po add`): the page keeps the cycle's numbers and says
    # when they are from; ?fresh=1 has the new ones.
    add_supply(console, "SUP-2", 500, sku=shown[1][1].split(" + ")[0])
    now_printed = csv_rows(cli(capsys, tmp_path, "report", "--reorder", "--csv"))
    assert now_printed != shown
    assert csv_rows(olive.get("/console/reorder.csv").get_data(as_text=True)) == shown
    fresh_csv = olive.get("/console/reorder.csv?fresh=1").get_data(as_text=True)
    assert csv_rows(fresh_csv) == now_printed


def test_before_the_first_warm_cycle_the_pages_work_it_out_now_and_say_so(
    console: Console,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    olive = console.login("olive")
    add_supply(console, "SUP-1", 40)
    page = text(olive.get("/console/plan"))
    assert "Worked out now from the state database" in page
    assert "the daemon has not planned this shop since it started" in page
    assert page_plan_lines(page) == cli_plan_lines(cli(capsys, tmp_path, "plan"))
    page = text(olive.get("/console/report"))
    assert "the daemon has not worked it out since it started" in page
    assert page_report_rows(page) == cli_report_rows(cli(capsys, tmp_path, "report", "--csv"))
    page = text(olive.get("/console/reorder"))
    assert "the daemon has not worked them out since it started" in page
    shown = csv_rows(olive.get("/console/reorder.csv").get_data(as_text=True))
    assert shown == csv_rows(cli(capsys, tmp_path, "report", "--reorder", "--csv"))


def test_a_daemon_that_plans_cold_serves_the_pages_worked_out_now(
    console: Console,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from connector.daemon import Daemon
    from connector.lease import database_clock

    cold = Daemon(
        console.settings,
        console.db,
        clock=console.clock,
        lease_clock=database_clock(console.db.engine),
        planner=plan_for_shop,
    )
    try:
        console.app = compose(cold, cold.webhook_app())
        assert cold.work_shop("outlet") is not None
        olive = console.login("olive")
        add_supply(console, "SUP-1", 40)
        page = text(olive.get("/console/plan"))
        assert "Worked out now from the state database" in page and "As of" not in page
        assert page_plan_lines(page) == cli_plan_lines(cli(capsys, tmp_path, "plan"))
    finally:
        cold.close()


def test_a_po_added_on_the_console_takes_its_suggestion_off_at_once(
    console: Console,  # noqa: F811
) -> None:
    from tests.web.test_console import csrf_of

    olive = console.login("olive")
    assert console.daemon.work_shop("outlet") is not None
    shown = csv_rows(olive.get("/console/reorder.csv").get_data(as_text=True))
    sku, units = shown[1][1], shown[1][3]
    form = text(olive.get("/console/purchase-orders"))
    added = olive.post(
        "/console/purchase-orders",
        data={
            "csrf": csrf_of(form),
            "shop": "outlet",
            "sku": sku.split(" + ")[0],
            "quantity": units,
        },
    )
    assert added.status_code == 303
    page = text(olive.get("/console/reorder"))
    assert "Worked out now" in page and f">{sku}</a>" not in page
    assert console.daemon.work_shop("outlet") is not None  # the next cycle works them out again
    page = text(olive.get("/console/reorder"))
    assert "As of " in page and f">{sku}</a>" not in page


def chart_bars(page: str, title: str) -> list[tuple[str, float]]:
    """The bars of the chart titled ``title``, read back from the SVG."""
    figure = page.split(f"<figcaption>{title}")[1].split("</figure>", maxsplit=1)[0]
    return [
        (label, float(value))
        for label, value in re.findall(r'data-label="([^"]*)" data-value="([^"]*)"', figure)
    ]


def test_the_overview_charts_the_report_day_by_day_as_the_command_printed_it(
    console: Console,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sam = console.login("sam")
    assert "Nothing to show yet." in text(sam.get("/console/"))
    printed = []
    for day in range(2):
        if day:
            console.clock.advance(timedelta(days=1))
            monkeypatch.setenv(NOW_ENV, console.clock().isoformat())
            add_supply(console, "SUP-2", 7)  # the second day's numbers differ
        assert console.daemon.work_shop("outlet") is not None
        data = json.loads(cli(capsys, tmp_path, "report", "--shop", "outlet", "--json"))
        printed.append((console.clock().strftime("%a %d %b"), data))
    sam = console.login("sam")  # a day later: the morning's session has ended
    page = text(sam.get("/console/"))
    for title, key in (
        ("Backorder rate", "backorder_rate"),
        ("Fill rate", "fill_rate"),
        ("Promises kept", "on_time_rate"),
    ):
        expected = [(day, round((data[key] or 0) * 100, 1)) for day, data in printed]
        if not any(value for _, value in expected):
            expected = []  # n/a both days (nothing served yet): "Nothing to show yet."
        assert chart_bars(page, title) == expected, title
    currency = page.split("<figcaption>Open backorder value (")[1][:3]
    bars = chart_bars(page, f"Open backorder value ({currency})")
    assert bars == [(day, float(data["open_value"][currency])) for day, data in printed]
    assert bars[0][1] > 0
    assert chart_bars(page, "Backorder rate")[0][1] > 0


def test_each_cycle_brings_its_plan_and_the_report_waits_its_turn(
    console: Console,  # noqa: F811
) -> None:
    from connector.daemon_metrics import REPORT_EVERY
    from connector.daemon_views import refresh_every

    views = console.daemon.views
    assert views is not None and views.get("outlet") is None
    assert console.daemon.work_shop("outlet") is not None
    first = views.get("outlet")
    assert first is not None and first.plan is not None and first.reorder_at == console.clock()
    console.clock.advance(timedelta(minutes=1))
    add_supply(console, "SUP-1", 40)
    assert console.daemon.work_shop("outlet") is not None
    second = views.get("outlet")
    assert second is not None and second.plan is not None
    assert second.plan.at == console.clock() and second.plan.plan.storefront
    assert second.reorder_at == first.reorder_at and second.report is first.report
    assert first.plan is not None and first.plan.at < second.plan.at  # the old view is untouched
    console.clock.advance(REPORT_EVERY)
    assert console.daemon.work_shop("outlet") is not None
    third = views.get("outlet")
    assert third is not None and third.reorder_at == console.clock()
    # A shop whose report takes long is worked out less often: cycles come first.
    assert refresh_every(timedelta(seconds=1)) == REPORT_EVERY
    assert refresh_every(timedelta(minutes=2)) == timedelta(minutes=20)


def test_the_reorder_page_lists_the_most_urgent_and_the_csv_has_them_all(
    console: Console,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector.web.console import reorder_page

    olive = console.login("olive")
    assert console.daemon.work_shop("outlet") is not None
    rows = csv_rows(olive.get("/console/reorder.csv").get_data(as_text=True))[1:]
    assert len(rows) >= 2
    monkeypatch.setattr(reorder_page, "SHOWN", 1)
    page = text(olive.get("/console/reorder"))
    assert f"The 1 most urgent of {len(rows)} suggestions; the CSV has them all." in page
    assert f">{rows[0][1]}</a>" in page and f">{rows[1][1]}</a>" not in page
    assert len(csv_rows(olive.get("/console/reorder.csv").get_data(as_text=True))) == len(rows) + 1


def test_the_overview_counts_the_queue_the_last_warm_cycle_saved_as_connector_status_does(
    console: Console,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counting a big queue's SKUs is PostgreSQL's slowest read of the overview: after a warm
    cycle the page counts the queue that cycle saved (its plan's), the same numbers."""
    sam = console.login("sam")
    report = console.daemon.work_shop("outlet")
    assert report is not None and report.ok
    lines, units, skus = console.db.queue_totals("outlet")
    assert lines > 0
    shown = f"{lines} lines / {units} units / {skus} SKUs"
    counted: list[str] = []
    real = type(console.db).queue_totals

    def counting(self: object, shop: str) -> tuple[int, int, int]:
        counted.append(shop)
        return real(self, shop)  # type: ignore[arg-type]

    monkeypatch.setattr(type(console.db), "queue_totals", counting)
    assert shown in text(sam.get("/console/"))
    assert counted == []  # not counted again by the database
    # The next cycle's plan (here: one line fewer) is counted anew.
    assert console.daemon.views is not None
    view = console.daemon.views.get("outlet")
    assert view is not None and view.plan is not None
    queue = view.plan.plan.queue[1:]
    plan = replace(view.plan.plan, queue=queue)
    console.daemon.views.publish("outlet", plan=replace(view.plan, plan=plan))
    gone = view.plan.plan.queue[0]
    after = f"{lines - 1} lines / {units - gone.waiting} units / {len({e.sku for e in queue})} SKUs"
    assert after in text(sam.get("/console/"))
