"""Variants that sell one shared count (WooCommerce stock managed on the parent).

Seen on a real store: each variation reports ``manage_stock: "parent"`` and the parent's quantity.
Worked out per variation, the queue double-counted: 4 units queued where the store was 3 short.
"""

from __future__ import annotations

from datetime import date, timedelta

from connector.engine import Engine, StateDelta, decide
from connector.model import OrderActionKind
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import NOW, at, line, order, po, product, state, variant

TEES = PolicySettings(name="tees", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("TEE-*",)))
STOP = PolicySettings(name="default", mode=PolicyMode.STOP)


def tee(sku: str, available: int) -> object:
    return variant(sku, available, pid="P1", stock_pool="P1")


def shop(available: int, *orders: object) -> object:
    """Tees S and M sell the parent's count; 3 were on the shelf before the orders."""
    return state(
        products=(product("P1"),),
        variants=(tee("TEE-S", available), tee("TEE-M", available)),
        orders=orders,
        purchase_orders=(
            po("PO1", "TEE-S", 10, date(2026, 12, 1)),
            po("PO2", "TEE-M", 10, date(2026, 12, 1)),
        ),
    )


def waiting(plan: object) -> dict[str, int]:
    return {e.line_id: e.waiting for e in plan.queue if e.waiting}  # type: ignore[attr-defined]


def test_what_waits_is_what_the_pool_is_short_oldest_order_served_first() -> None:
    # 3 on the shelf; 2 S (older) and 4 M sold: the pool is 3 short, all of it on M.
    current = shop(
        -3,
        order("1", at("2026-11-01"), line("S1", "TEE-S", 2)),
        order("2", at("2026-11-02"), line("M1", "TEE-M", 4)),
    )
    plan = decide(current, [TEES], STOP, NOW)  # type: ignore[arg-type]
    assert waiting(plan) == {"M1": 3}
    holds = [a.lines for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES]
    assert holds == [(("M1", 3),)]


def test_an_order_on_one_variation_moves_the_others_share_in_an_incremental_plan() -> None:
    first = order("1", at("2026-11-01"), line("S1", "TEE-S", 2))
    current = shop(1, first)
    engine = Engine([TEES], STOP)
    engine.load(current)  # type: ignore[arg-type]
    engine.plan(NOW)
    # An older order for M arrives late (synced out of order): the pool goes to -3.
    late = order("0", at("2026-10-30"), line("M0", "TEE-M", 4))
    later = NOW + timedelta(hours=1)
    keys = engine.apply(StateDelta(variants=(tee("TEE-S", -3), tee("TEE-M", -3)), orders=(late,)))
    plan = engine.plan(later, keys)
    assert waiting(plan) == {"M0": 1, "S1": 2}
    full = decide(shop(-3, first, late), [TEES], STOP, later)  # type: ignore[arg-type]
    assert waiting(full) == waiting(plan)
