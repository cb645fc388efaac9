"""Ship-soon: once when the stock is here, and a heads-up when the covering PO is days away."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from connector.engine import EngineState, decide
from connector.model import BackorderEventKind, NotificationKind, Plan
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import NOW, apply_plan, at, line, order, po, product, state, variant

SOFAS = PolicySettings(
    name="sofas",
    mode=PolicyMode.BACKORDER,
    match=PolicyMatch(skus=("SOFA-*",)),
    handling_days=1,
    ship_soon_days=3,
)
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)


def heads_ups(plan: Plan) -> dict[str, str]:
    return {
        n.order_number: n.reason for n in plan.notifications if n.kind is NotificationKind.REMINDER
    }


def sofa_shop() -> EngineState:
    """Anna waits for 2 sofas covered by PO1 due 2026-11-30; Ben's 1 by PO2 due 2026-12-20."""
    return state(
        products=(product("P1"),),
        variants=(variant("SOFA-OAK", -3),),
        orders=(
            order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 2)),
            order("BEN", at("2026-11-05"), line("B1", "SOFA-OAK", 1)),
        ),
        purchase_orders=(
            po("PO1", "SOFA-OAK", 2, date(2026, 11, 30)),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )


def test_anna_hears_her_sofas_ship_in_a_few_days_once_and_ben_not_yet() -> None:
    current = sofa_shop()
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))  # confirmations
    quiet = decide(current, [SOFAS], DEFAULT, NOW + timedelta(days=5))  # PO1 still 5 days off
    assert not heads_ups(quiet)
    current = apply_plan(current, quiet, NOW + timedelta(days=5))

    day = NOW + timedelta(days=7)  # 2026-11-27: PO1 due in 3 days
    plan = decide(current, [SOFAS], DEFAULT, day)
    assert heads_ups(plan) == {"#ANNA": "ships in 4 days"}
    [note] = plan.notifications
    assert note.promised_date == date(2026, 12, 1)
    assert [e.detail for e in plan.events if e.kind is BackorderEventKind.ETA_SET] == [
        "ship soon: supply due 2026-11-30, ships in 4 days; customer told"
    ]
    # Told once: the next cycles, the same promise brings no second heads-up.
    current = apply_plan(current, plan, day)
    assert decide(current, [SOFAS], DEFAULT, day + timedelta(days=1)).is_empty

    # The stock arrives: the usual ship-soon email follows.
    arrived = replace(
        current,
        variants=(replace(current.variants[0], available=-1),),
        purchase_orders=(
            po("PO1", "SOFA-OAK", 2, date(2026, 11, 30), received=2),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )
    plan = decide(arrived, [SOFAS], DEFAULT, day + timedelta(days=3))
    assert {n.order_number for n in plan.notifications if n.kind is NotificationKind.SHIP_SOON} == {
        "#ANNA"
    }


def test_a_line_detected_days_before_its_po_gets_only_the_confirmation() -> None:
    plan = decide(sofa_shop(), [SOFAS], DEFAULT, NOW + timedelta(days=8))

    assert not heads_ups(plan)
    again = decide(
        apply_plan(sofa_shop(), plan, NOW + timedelta(days=8)),
        [SOFAS],
        DEFAULT,
        NOW + timedelta(days=8),
    )
    assert again.is_empty


def test_a_delay_within_the_window_is_one_email_not_two() -> None:
    current = sofa_shop()
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))
    day = NOW + timedelta(days=7)
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, day), day)
    # The supplier now says one day later: a delay email, no heads-up on top of it the same day.
    later = replace(
        current,
        purchase_orders=(
            po("PO1", "SOFA-OAK", 2, date(2026, 12, 1)),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )
    plan = decide(later, [SOFAS], DEFAULT, day)
    kinds = [n.kind for n in plan.notifications]
    assert kinds == [NotificationKind.DELAY]
    assert decide(apply_plan(later, plan, day), [SOFAS], DEFAULT, day).is_empty
