"""Reorder suggestions (connector.engine.reorder): worked cases and properties (hypothesis)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from connector.engine.reorder import (
    ReorderInput,
    ReorderRules,
    Supplier,
    suggest_reorders,
)

TODAY = date(2026, 12, 4)
RULES = ReorderRules(
    cover_days=30,
    safety_days=0,
    velocity_days=30,
    lead_time_days=14,
    suppliers=(Supplier("Nordic Sofas", 21, ("SOFA-*",)), Supplier("Lamps AB", 7)),
)


def test_waiting_units_nothing_brings_are_ordered_now_from_the_sku_patterns_supplier() -> None:
    [suggestion] = suggest_reorders([ReorderInput("SOFA-1", on_hand=-3, waiting=3)], RULES, TODAY)
    assert (suggestion.supplier, suggestion.units) == ("Nordic Sofas", 3)
    assert suggestion.order_by == TODAY
    assert suggestion.arrives_by == TODAY + timedelta(days=21)
    assert suggestion.why == "3 waiting units have no supply"


def test_an_open_po_that_brings_the_waiting_units_leaves_nothing_to_order() -> None:
    item = ReorderInput("SOFA-1", on_hand=-3, waiting=3, open_po_units=3)
    assert suggest_reorders([item], RULES, TODAY) == []


def test_sales_velocity_sizes_the_order_over_lead_time_and_cover() -> None:
    # 60 sold in 30 days: 2 a day over 7 + 30 days is 74; 10 on hand and 20 coming.
    item = ReorderInput("LAMP-1", on_hand=10, sold=60, open_po_units=20, last_supplier="lamps ab")
    [suggestion] = suggest_reorders([item], RULES, TODAY)
    assert (suggestion.supplier, suggestion.lead_time_days, suggestion.units) == ("Lamps AB", 7, 44)
    # 30 spare units last 15 days; ordering 7 days ahead means by day 8.
    assert suggestion.order_by == TODAY + timedelta(days=8)
    assert suggestion.daily_sales == 2.0


def test_a_sku_with_no_known_supplier_uses_the_default_lead_time() -> None:
    [suggestion] = suggest_reorders([ReorderInput("MUG", waiting=1)], RULES, TODAY)
    assert (suggestion.supplier, suggestion.lead_time_days) == ("", 14)


def test_a_pools_count_is_counted_once_and_its_members_ordered_together() -> None:
    items = [
        ReorderInput("TEE-S", on_hand=2, waiting=3, pool="tee"),
        ReorderInput("TEE-M", on_hand=2, waiting=1, pool="tee"),
    ]
    [suggestion] = suggest_reorders(items, replace(RULES, velocity_days=0), TODAY)
    assert suggestion.skus == ("TEE-M", "TEE-S")
    assert (suggestion.on_hand, suggestion.waiting, suggestion.units) == (2, 4, 2)


counts = st.integers(min_value=0, max_value=500)
items = st.builds(
    ReorderInput,
    sku=st.sampled_from(["SOFA-1", "SOFA-2", "LAMP-1", "MUG", "TEE-S"]),
    on_hand=st.integers(min_value=-50, max_value=500),
    waiting=counts,
    sold=counts,
    open_po_units=counts,
    last_supplier=st.sampled_from(["", "Lamps AB", "Elsewhere"]),
)
rules = st.builds(
    ReorderRules,
    cover_days=st.integers(0, 90),
    safety_days=st.integers(0, 30),
    velocity_days=st.integers(0, 90),
    lead_time_days=st.integers(0, 60),
    suppliers=st.just(RULES.suppliers),
)


@given(st.lists(items, max_size=6, unique_by=lambda item: item.sku), rules)
def test_never_suggests_what_open_purchase_orders_already_cover(
    found: list[ReorderInput], sizing: ReorderRules
) -> None:
    """Whatever the demand, a suggestion plus what open POs and stock bring never passes what is
    needed, and more incoming supply never makes a suggestion larger."""
    for suggestion in suggest_reorders(found, sizing, TODAY):
        [item] = [i for i in found if i.sku in suggestion.skus]
        assert suggestion.units > 0
        assert suggestion.open_po_units == item.open_po_units
        horizon = suggestion.lead_time_days + sizing.safety_days + sizing.cover_days
        daily = item.sold / sizing.velocity_days if sizing.velocity_days else 0
        needed = item.waiting + math.ceil(daily * horizon)
        assert suggestion.units + item.open_po_units + max(0, item.on_hand) == needed
        assert suggestion.order_by >= TODAY
        assert suggestion.arrives_by >= suggestion.order_by
    before = {s.key: s.units for s in suggest_reorders(found, sizing, TODAY)}
    for extra in (1, 7, 1000):
        more = [replace(i, open_po_units=i.open_po_units + extra) for i in found]
        after = {s.key: s.units for s in suggest_reorders(more, sizing, TODAY)}
        for key, units in after.items():
            assert units == before[key] - extra


@given(st.lists(items, max_size=6, unique_by=lambda item: item.sku), rules)
def test_open_purchase_orders_that_bring_the_need_leave_no_suggestion(
    found: list[ReorderInput], sizing: ReorderRules
) -> None:
    covering = [replace(i, open_po_units=i.waiting + i.sold * 200 + 1) for i in found]
    assert suggest_reorders(covering, sizing, TODAY) == []
