"""Odd or broken input never crashes the engine and never loses a promise."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from connector.engine import Engine, decide
from connector.model import OrderLine
from connector.settings import PolicyMode, PolicySettings
from tests.engine.builders import (
    NOW,
    SHOP,
    apply_plan,
    at,
    line,
    order,
    po,
    product,
    state,
    variant,
)

ALL = PolicySettings(name="all", mode=PolicyMode.BACKORDER)
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)


def test_woocommerce_backordered_meta_is_only_a_cross_check() -> None:
    current = state(
        products=(product("P1"),),
        variants=(variant("SOFA", -2),),
        orders=(order("W1", at("2026-11-10"), line("L1", "SOFA", 2, backordered_at_order=1)),),
        purchase_orders=(po("PO", "SOFA", 5, date(2026, 12, 1)),),
    )
    plan = decide(current, [ALL], DEFAULT, NOW)
    [entry] = plan.queue
    assert entry.waiting == 2  # computed from stock, not from the meta
    assert "platform recorded 1 short" in entry.reason


def test_lines_without_sku_or_variant_and_duplicate_skus_are_recorded_and_skipped() -> None:
    nameless = OrderLine(
        platform_id="X1",
        order_id="",
        variant_id=None,
        sku="",
        title="?",
        quantity=1,
        price=variant("A", 0).price,
    )
    current = state(
        shop=replace(SHOP, timezone="Mars/Olympus"),  # unknown zone: UTC, not a crash
        products=(product("P1"),),
        variants=(variant("DUP", -1, vid="V1"), variant("DUP", 5, vid="V2")),
        orders=(order("O1", at("2026-11-10"), nameless, line("L2", "DUP", 1)),),
    )
    engine = Engine([ALL], DEFAULT)
    engine.load(current)
    plan = engine.plan(NOW)
    reasons = sorted((s.what, s.id) for s in engine.skipped)
    assert reasons == [("order line", "X1"), ("variant", "V2")]
    assert [entry.line_id for entry in plan.queue] == ["L2"]


def test_a_variant_that_disappears_keeps_its_waiting_customers() -> None:
    current = state(
        products=(product("P1"),),
        variants=(variant("SOFA", -1),),
        orders=(order("O1", at("2026-11-10"), line("L1", "SOFA", 1)),),
        purchase_orders=(po("PO", "SOFA", 5, date(2026, 12, 1)),),
    )
    plan = decide(current, [ALL], DEFAULT, NOW)
    gone = replace(apply_plan(current, plan), variants=())
    again = decide(gone, [ALL], DEFAULT, NOW)
    assert again.queue == plan.queue
    assert again.is_empty


def test_untracked_stock_never_waits() -> None:
    current = state(
        products=(product("P1"),),
        variants=(variant("GIFT", -5, tracked=False),),
        orders=(order("O1", at("2026-11-10"), line("L1", "GIFT", 3)),),
    )
    plan = decide(current, [ALL], DEFAULT, NOW)
    assert plan.is_empty and not plan.queue
