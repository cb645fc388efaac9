"""Our hold on an order always covers exactly the lines still waiting, and their waiting units."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from connector.engine import Engine, EngineState, StateDelta, decide
from connector.engine.plan import hold_handle
from connector.model import OrderActionKind, OrderStatus, Plan
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import NOW, apply_plan, at, line, order, po, product, state, variant

CHAIRS = PolicySettings(
    name="chairs", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("CHAI-*",))
)
LAUNCH = PolicySettings(
    name="launch",
    mode=PolicyMode.PREORDER,
    match=PolicyMatch(tags=("new",)),
    release_date=date(2026, 12, 27),
)
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)
POLICIES = [CHAIRS, LAUNCH]


def kinds(plan: Plan, order_id: str) -> list[OrderActionKind]:
    return [a.kind for a in plan.order_actions if a.order_id == order_id]


def chair_and_table_shop() -> EngineState:
    """Order 27: 3 chairs on backorder and 3 tables on pre-order (release 2026-12-27)."""
    return state(
        products=(product("P2", title="Nordic Chair"), product("P5", tags=frozenset({"new"}))),
        variants=(variant("CHAI-1", -3, pid="P2"), variant("TABL-5", 14, pid="P5")),
        orders=(order("27", at("2026-11-01"), line("C1", "CHAI-1", 3), line("T1", "TABL-5", 3)),),
        purchase_orders=(po("PO1", "CHAI-1", 10, date(2026, 12, 1)),),
    )


def test_one_hold_covers_both_waiting_lines_of_an_order() -> None:
    plan = decide(chair_and_table_shop(), POLICIES, DEFAULT, NOW)

    [hold] = [a for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES]
    assert hold.lines == (("C1", 3), ("T1", 3))
    assert hold.handle == hold_handle("27", ["T1", "C1"])


def test_when_the_chairs_arrive_the_pre_order_line_stays_held() -> None:
    current = chair_and_table_shop()
    current = apply_plan(current, decide(current, POLICIES, DEFAULT, NOW))
    arrived = replace(
        current, variants=(replace(current.variants[0], available=1), current.variants[1])
    )
    later = NOW + timedelta(days=3)
    plan = decide(arrived, POLICIES, DEFAULT, later)

    # The old hold goes and a new one, listed after it, covers the table that still waits.
    assert kinds(plan, "27")[:2] == [OrderActionKind.RELEASE_HOLD, OrderActionKind.HOLD_LINES]
    release, hold = plan.order_actions[:2]
    assert release.handle == "" and release.lines == ()  # every hold of ours on the order
    assert hold.lines == (("T1", 3),)
    assert hold.handle == hold_handle("27", ["T1"]) != hold_handle("27", ["C1", "T1"])
    after = apply_plan(arrived, plan, later)
    held = {item.platform_id for item in after.orders[0].lines if item.on_hold}
    assert held == {"T1"}
    # The next cycle leaves the hold alone: nothing to hold again.
    again = decide(after, POLICIES, DEFAULT, later)
    assert not again.order_actions and again.is_empty


def _chairs_held() -> EngineState:
    """Order 9 waits on 3 chairs (none in stock, a PO due), planned and held in the shop."""
    current = state(
        products=(product("P2"),),
        variants=(variant("CHAI-1", -3, pid="P2"),),
        orders=(order("9", at("2026-11-01"), line("C1", "CHAI-1", 3)),),
        purchase_orders=(po("PO1", "CHAI-1", 10, date(2026, 12, 1)),),
    )
    return apply_plan(current, decide(current, POLICIES, DEFAULT, NOW))


def test_a_partly_served_line_keeps_its_hold_until_fully_served() -> None:
    current = _chairs_held()
    two_came = replace(current, variants=(replace(current.variants[0], available=-1),))
    plan = decide(two_came, POLICIES, DEFAULT, NOW)

    # The set of waiting lines is the same: the hold stays as it is (documented limit), so units
    # flickering while stock and orders sync out of step never churn holds.
    assert kinds(plan, "9") == []
    assert [(e.line_id, e.waiting, e.allocated) for e in plan.queue] == [("C1", 1, 2)]


def test_a_fully_served_order_is_released_and_not_held_again() -> None:
    current = _chairs_held()
    arrived = replace(current, variants=(replace(current.variants[0], available=0),))
    plan = decide(arrived, POLICIES, DEFAULT, NOW)

    assert kinds(plan, "9") == [OrderActionKind.RELEASE_HOLD, OrderActionKind.REMOVE_TAGS]


def test_an_incremental_plan_redoes_the_hold_and_tags_of_an_order_waiting_on_two_skus() -> None:
    # The engine keeps each order's waiting lines across SKUs together; when one SKU is worked
    # out again alone, the order's other waiting line must stay in its hold and tags.
    current = chair_and_table_shop()
    current = apply_plan(current, decide(current, POLICIES, DEFAULT, NOW))
    chairs = replace(current.variants[0], available=1)
    later = NOW + timedelta(days=3)
    engine = Engine(POLICIES, DEFAULT)
    engine.load(current)
    engine.plan(NOW)

    plan = engine.plan(later, engine.apply(StateDelta(variants=(chairs,))))

    hold = next(a for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES)
    assert hold.lines == (("T1", 3),)
    arrived = replace(current, variants=(chairs, current.variants[1]))
    full = decide(arrived, POLICIES, DEFAULT, later)
    assert plan.order_actions == full.order_actions
    after = apply_plan(arrived, plan, later)
    assert after.orders[0].tags == {"preorder"}


@pytest.mark.parametrize("ending", [OrderStatus.CANCELLED, OrderStatus.CLOSED])
@pytest.mark.parametrize("incremental", [False, True])
def test_an_order_cancelled_refunded_or_completed_drops_our_hold_and_tags(
    ending: OrderStatus, incremental: bool
) -> None:
    # Seen on a real store: an order cancelled in the admin kept "_bc_hold" ("on hold: yes").
    current = _chairs_held()
    assert current.orders[0].tags and current.orders[0].lines[0].on_hold
    ended = replace(current.orders[0], status=ending)
    back = replace(current.variants[0], available=0)  # a cancellation puts the stock back
    later = NOW + timedelta(days=1)
    if incremental:
        engine = Engine(POLICIES, DEFAULT)
        engine.load(current)
        engine.plan(NOW)
        plan = engine.plan(later, engine.apply(StateDelta(variants=(back,), orders=(ended,))))
    else:
        plan = decide(replace(current, orders=(ended,), variants=(back,)), POLICIES, DEFAULT, later)

    after = apply_plan(replace(current, orders=(ended,), variants=(back,)), plan, later)
    assert not any(item.on_hold for item in after.orders[0].lines)
    assert after.orders[0].tags == frozenset()
    again = decide(after, POLICIES, DEFAULT, later)
    assert not again.order_actions
