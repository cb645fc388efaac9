"""The report numbers, from a small history a store owner can check by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from connector.engine.metrics import backorder_report
from connector.model import BackorderEntry, BackorderEvent, BackorderEventKind
from tests.engine.builders import NOW, at, line, order


def event(kind: BackorderEventKind, line_id: str, days: int, qty: int = 1, eta=None):  # type: ignore[no-untyped-def]
    return BackorderEvent(
        shop="demo",
        at=NOW - timedelta(days=days),
        kind=kind,
        sku="SOFA-OAK" if line_id != "C1" else "LAMP",
        quantity=qty,
        order_id=line_id[0],
        line_id=line_id,
        eta=eta,
    )


def test_rates_waits_and_what_is_owed() -> None:
    orders = [
        order("A", at("2026-11-01"), line("A1", "SOFA-OAK", 2)),
        order("B", at("2026-11-02"), line("B1", "SOFA-OAK", 1)),
        order("C", at("2026-11-03"), line("C1", "LAMP", 1)),
        order("D", at("2026-11-04"), line("D1", "MUG", 4)),
    ]
    history = [
        event(BackorderEventKind.DETECTED, "A1", 19, 2, eta=date(2026, 11, 10)),
        event(BackorderEventKind.DETECTED, "B1", 18, 1, eta=date(2026, 11, 10)),
        event(BackorderEventKind.DETECTED, "C1", 17, 1, eta=date(2026, 12, 1)),
        event(BackorderEventKind.ALLOCATED, "A1", 12, 2),  # Nov 8 12:00: kept, ordered Nov 1 10:00
        event(BackorderEventKind.ALLOCATED, "B1", 8, 1),  # Nov 12 12:00: late, ordered Nov 2 10:00
        event(BackorderEventKind.CANCELLED, "C1", 5, 1),
    ]
    queue = [
        BackorderEntry("demo", "SOFA-OAK", "B", "B1", "b@x.com", at("2026-11-02"), waiting=0),
    ]
    waiting = [
        BackorderEntry("demo", "SOFA-OAK", "A", "A1", "a@x.com", at("2026-11-01"), waiting=2),
    ]
    report = backorder_report(
        "demo", history, queue=queue, orders=orders, until=NOW, since=NOW - timedelta(days=90)
    )
    assert (report.lines_ordered, report.units_ordered) == (4, 8)
    assert (report.lines_backordered, report.units_backordered) == (3, 4)
    assert report.backorder_rate == 0.75
    assert report.fill_rate == 0.5
    assert (report.on_time, report.lines_allocated, report.on_time_rate) == (1, 2, 0.5)
    assert report.average_wait_days == 8.58  # (7 d 2 h + 10 d 2 h) / 2, from the orders' times
    assert (report.cancelled_lines, report.cancelled_units) == (1, 1)
    assert report.top_skus[0].sku == "SOFA-OAK" and report.top_skus[0].units_short == 3
    assert report.open_value == {}

    owed = backorder_report("demo", history, queue=waiting, orders=orders, until=NOW)
    assert owed.open_value == {"EUR": Decimal("200.00")}
    assert owed.as_dict()["open_value"] == {"EUR": "200.00"}


def test_an_empty_shop_reports_no_rates_rather_than_zero() -> None:
    report = backorder_report("demo", [], queue=[], orders=[], until=NOW)
    assert report.backorder_rate is None and report.on_time_rate is None
    assert report.average_wait_days is None


def test_short_is_what_waits_not_the_whole_line() -> None:
    # Seen on a real store: "5 units short" in the report where the hold covered 3.
    from connector.engine import decide
    from connector.model import OrderActionKind
    from connector.settings import PolicyMatch, PolicyMode, PolicySettings
    from tests.engine.builders import po, product, state, variant

    sofas = PolicySettings(
        name="sofas", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("SOFA-*",))
    )
    shop = state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", -3, pid="P1"),),  # 2 on the shelf before a 5-unit order
        orders=(order("A", at("2026-11-01"), line("A1", "SOFA-OAK", 5)),),
        purchase_orders=(po("PO1", "SOFA-OAK", 10, date(2026, 12, 1)),),
    )
    plan = decide(shop, [sofas], PolicySettings(name="default", mode=PolicyMode.STOP), NOW)
    [hold] = [a for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES]
    [detected] = [e for e in plan.events if e.kind is BackorderEventKind.DETECTED]
    assert hold.lines == (("A1", 3),)
    assert detected.quantity == 3
    report = backorder_report("demo", plan.events, queue=plan.queue, orders=shop.orders, until=NOW)
    assert (report.units_backordered, report.top_skus[0].units_short) == (3, 3)
    assert report.fill_rate == 0.4  # 2 of 5 units shipped from the shelf


def test_the_wait_counts_from_the_order_not_from_when_the_connector_first_saw_it() -> None:
    """A fresh database on a live shop first sees a month-old order today; its customer has
    waited a month, not "0.0 days"."""
    orders = [order("A", NOW - timedelta(days=30), line("A1", "SOFA-OAK", 1))]
    history = [
        event(BackorderEventKind.DETECTED, "A1", 2, 1, eta=date(2026, 11, 19)),
        event(BackorderEventKind.ALLOCATED, "A1", 0, 1),
    ]
    report = backorder_report("demo", history, queue=[], orders=orders, until=NOW)
    assert report.average_wait_days == 30.0
    # An order the report was not given (long gone from the window) falls back to detection.
    alone = backorder_report("demo", history, queue=[], orders=[], until=NOW)
    assert alone.average_wait_days == 2.0
