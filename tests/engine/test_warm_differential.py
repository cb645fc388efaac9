"""A warm engine fed random change sequences plans exactly what a cold engine plans (hypothesis).

The daemon keeps one engine per shop (connector/warm_engine.py) and feeds it what each cycle
brought in: new, cancelled and shipped orders, stock moves, purchase orders added, moved or
closed, the re-read of its own writes, and clock ticks (full plans: time passing). After every
step the warm plan must equal a cold plan (``decide``) of the same state at the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.engine import Engine, EngineState, StateDelta, decide
from connector.model import Order, OrderStatus, Plan, PurchaseOrder, Variant
from connector.warm_engine import plan_difference
from tests.engine.builders import NOW, apply_plan, line, order, po
from tests.engine.test_properties import DEFAULT, SKUS, World, worlds

STEPS = st.sampled_from(
    ("order", "order", "cancel", "ship", "restock", "po_add", "po_move", "po_close", "tick")
)


@dataclass
class Shop:
    """The shop as the database holds it, and the warm engine that follows it."""

    state: EngineState
    now: datetime
    engine: Engine
    pending: set[str]


def _changed(before: EngineState, after: EngineState) -> StateDelta:
    """What a re-read after the writes brings in: the records that differ."""
    variants = {v.platform_id: v for v in before.variants}
    products = {p.platform_id: p for p in before.products}
    orders = {o.platform_id: o for o in before.orders}
    return StateDelta(
        products=tuple(p for p in after.products if products.get(p.platform_id) != p),
        variants=tuple(v for v in after.variants if variants.get(v.platform_id) != v),
        orders=tuple(o for o in after.orders if orders.get(o.platform_id) != o),
    )


def _with(
    state: EngineState,
    *,
    orders: tuple[Order, ...] = (),
    variants: tuple[Variant, ...] = (),
    pos: tuple[PurchaseOrder, ...] = (),
    removed: tuple[str, ...] = (),
) -> EngineState:
    by_id = {o.platform_id: o for o in state.orders}
    by_id.update({o.platform_id: o for o in orders})
    stock = {v.platform_id: v for v in state.variants}
    stock.update({v.platform_id: v for v in variants})
    supply = {p.id: p for p in state.purchase_orders if p.id not in removed}
    supply.update({p.id: p for p in pos})
    return replace(
        state,
        orders=tuple(sorted(by_id.values(), key=lambda o: (o.created_at, o.platform_id))),
        variants=tuple(stock.values()),
        purchase_orders=tuple(supply.values()),
    )


def _step(shop: Shop, kind: str, data: st.DataObject, number: int) -> StateDelta | None:
    """Change the shop's state by one step; the delta the warm engine is fed (None: a tick)."""
    state = shop.state
    sku = data.draw(st.sampled_from(SKUS))
    stock = next(v for v in state.variants if v.sku == sku)
    open_orders = [o for o in state.orders if o.status is OrderStatus.OPEN]
    if kind == "order":
        qty = data.draw(st.integers(1, 3))
        shop.now += timedelta(minutes=1)
        new = order(f"N{number}", shop.now, line(f"N{number}-L", sku, qty))
        less = replace(stock, available=stock.available - qty)
        shop.state = _with(state, orders=(new,), variants=(less,))
        return StateDelta(orders=(new,), variants=(less,))
    if kind in ("cancel", "ship") and open_orders:
        target = data.draw(st.sampled_from(open_orders))
        if kind == "cancel":
            changed = replace(target, status=OrderStatus.CANCELLED)
        else:
            shipped = tuple(replace(ln, fulfilled=ln.quantity) for ln in target.lines)
            changed = replace(target, lines=shipped)
        shop.state = _with(state, orders=(changed,))
        return StateDelta(orders=(changed,))
    if kind == "restock":
        more = replace(stock, available=stock.available + data.draw(st.integers(1, 4)))
        shop.state = _with(state, variants=(more,))
        return StateDelta(variants=(more,))
    if kind == "po_add":
        due = data.draw(st.one_of(st.none(), st.integers(0, 40)))
        new_po = po(
            f"PO-N{number}",
            sku,
            data.draw(st.integers(1, 5)),
            None if due is None else shop.now.date() + timedelta(days=due),
        )
        shop.state = _with(state, pos=(new_po,))
        return StateDelta(purchase_orders=(new_po,))
    if kind in ("po_move", "po_close") and state.purchase_orders:
        target_po = data.draw(st.sampled_from(state.purchase_orders))
        if kind == "po_close":
            shop.state = _with(state, removed=(target_po.id,))
            return StateDelta(removed_purchase_orders=(target_po.id,))
        moved = replace(
            target_po,
            expected_date=shop.now.date() + timedelta(days=data.draw(st.integers(0, 60))),
        )
        shop.state = _with(state, pos=(moved,))
        return StateDelta(purchase_orders=(moved,))
    if kind == "tick":
        shop.now += timedelta(
            days=data.draw(st.integers(1, 12)), hours=data.draw(st.integers(0, 23))
        )
        return None
    return StateDelta()


def _assert_same(warm: Plan, cold: Plan, where: str) -> None:
    differs = plan_difference(warm, cold)
    assert not differs, f"{where}: warm and cold plans differ in {differs}\n{warm}\n{cold}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.lists(STEPS, min_size=1, max_size=10), st.data())
def test_a_warm_engine_plans_what_a_cold_engine_plans_after_any_changes(
    world: World, steps: list[str], data: st.DataObject
) -> None:
    policies = [world.policy]
    engine = Engine(policies, DEFAULT)
    engine.load(world.state)
    first = engine.plan(NOW)
    _assert_same(first, decide(world.state, policies, DEFAULT, NOW), "first plan")
    shop = Shop(apply_plan(world.state, first, NOW), NOW, engine, set())
    shop.pending |= engine.apply(_changed(world.state, shop.state))

    for number, kind in enumerate(steps):
        delta = _step(shop, kind, data, number)
        if delta is None:
            warm = engine.plan(shop.now)  # a clock tick: a full plan sees time pass
        else:
            keys = shop.pending | engine.apply(delta)
            warm = engine.plan(shop.now, keys)
        shop.pending = set()
        cold = decide(shop.state, policies, DEFAULT, shop.now)
        _assert_same(warm, cold, f"step {number} ({kind})")
        after = apply_plan(shop.state, cold, shop.now)
        # The cycle re-reads what it wrote; the next plan works out the SKUs that touches.
        shop.pending |= engine.apply(_changed(shop.state, after))
        shop.state = after
