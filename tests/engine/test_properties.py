"""Properties of the engine that must hold for any shop (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.engine import EngineState, decide
from connector.model import BackorderEventKind, OrderStatus, Plan
from connector.settings import PolicyMode, PolicySettings
from tests.engine.builders import NOW, apply_plan, line, order, po, product, state, variant

SKUS = ("S-A", "S-B")
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)


@dataclass(frozen=True)
class World:
    state: EngineState
    policy: PolicySettings


@st.composite
def worlds(draw: st.DrawFn) -> World:
    orders = []
    demand: dict[str, int] = defaultdict(int)
    for index in range(draw(st.integers(0, 8))):
        lines = []
        for number in range(draw(st.integers(1, 2))):
            sku = draw(st.sampled_from(SKUS))
            qty = draw(st.integers(1, 3))
            demand[sku] += qty
            lines.append(line(f"O{index}-L{number}", sku, qty))
        created = NOW - timedelta(days=draw(st.integers(0, 20)), minutes=index)
        vip = frozenset({"VIP"}) if draw(st.booleans()) else frozenset()
        orders.append(order(f"O{index}", created, *lines, customer_tags=vip))
    variants = []
    for sku in SKUS:
        on_hand = draw(st.integers(0, 6))
        variants.append(variant(sku, on_hand - demand[sku], pid=f"P-{sku}"))
    pos = []
    for sku in SKUS:
        for number in range(draw(st.integers(0, 3))):
            due = draw(st.one_of(st.none(), st.integers(-5, 50)))
            pos.append(
                po(
                    f"PO-{sku}-{number}",
                    sku,
                    draw(st.integers(1, 5)),
                    None if due is None else NOW.date() + timedelta(days=due),
                )
            )
    preorder = draw(st.booleans())
    policy = PolicySettings(
        name="all",
        mode=PolicyMode.PREORDER if preorder else PolicyMode.BACKORDER,
        handling_days=draw(st.integers(0, 3)),
        queue_rule=draw(st.sampled_from(("fifo", "promise_at_risk"))),
        release_date=NOW.date() + timedelta(days=draw(st.integers(-3, 30))) if preorder else None,
        preorder_limit=draw(st.one_of(st.none(), st.integers(0, 10))) if preorder else None,
        lead_time_days=draw(st.one_of(st.none(), st.integers(1, 30))),
        max_backorder_units=draw(st.one_of(st.none(), st.integers(0, 10))),
    )
    products = tuple(product(f"P-{sku}") for sku in SKUS)
    return World(
        state(
            products=products,
            variants=tuple(variants),
            orders=tuple(orders),
            purchase_orders=tuple(pos),
        ),
        policy,
    )


def run(world: World, current: EngineState | None = None) -> Plan:
    return decide(current or world.state, [world.policy], DEFAULT, NOW)


def by_sku(plan: Plan) -> dict[str, list]:  # type: ignore[type-arg]
    queues: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for entry in plan.queue:
        queues[entry.sku].append(entry)
    for entries in queues.values():
        entries.sort(key=lambda entry: entry.position)
    return queues


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(worlds())
def test_never_allocates_more_than_the_stock_on_hand(world: World) -> None:
    plan = run(world)
    waiting = {entry.line_id: entry.waiting for entry in plan.queue}
    for item in world.state.variants:
        lines = [ln for o in world.state.orders for ln in o.lines if ln.sku == item.sku]
        demand = sum(ln.open_quantity for ln in lines)
        on_hand = max(0, item.available + demand)
        served = sum(ln.open_quantity - waiting.get(ln.platform_id, 0) for ln in lines)
        assert served <= on_hand


@FAST
@given(worlds())
def test_etas_never_earlier_further_down_and_equal_priorities_first_come_first_served(
    world: World,
) -> None:
    plan = run(world)
    for entries in by_sku(plan).values():
        waiting = [entry for entry in entries if entry.waiting]
        etas = [entry.eta or date.max for entry in waiting]
        assert etas == sorted(etas)
        if world.policy.queue_rule == "fifo":
            for first, second in pairwise(waiting):
                if first.priority == second.priority:
                    assert first.ordered_at <= second.ordered_at


@FAST
@given(worlds())
def test_the_same_state_gives_an_empty_plan(world: World) -> None:
    plan = run(world)
    again = run(world, apply_plan(world.state, plan))
    assert again.is_empty, again
    assert not again.events
    assert again.queue == plan.queue


@FAST
@given(worlds(), st.data())
def test_every_unit_is_shipped_allocated_waiting_or_cancelled(
    world: World, data: st.DataObject
) -> None:
    plan = run(world)
    current = apply_plan(world.state, plan)
    orders = []
    restock: dict[str, int] = defaultdict(int)
    for item in current.orders:
        fate = data.draw(st.sampled_from(("keep", "cancel", "ship")))
        if fate == "cancel":
            for ln in item.lines:
                restock[ln.sku] += ln.open_quantity
            orders.append(replace(item, status=OrderStatus.CANCELLED))
        elif fate == "ship":
            shipped = tuple(replace(ln, fulfilled=ln.quantity) for ln in item.lines)
            orders.append(replace(item, lines=shipped, status=OrderStatus.CLOSED))
        else:
            orders.append(item)
    arrived = {sku: data.draw(st.integers(0, 4)) for sku in SKUS}
    variants = tuple(
        replace(v, available=v.available + restock[v.sku] + arrived[v.sku])
        for v in current.variants
    )
    later = run(world, replace(current, orders=tuple(orders), variants=variants))

    now_units = {e.line_id: e.waiting + e.allocated for e in later.queue}
    left: dict[str, int] = defaultdict(int)
    for event in later.events:
        if event.kind in (BackorderEventKind.SHIPPED, BackorderEventKind.CANCELLED):
            left[event.line_id] += event.quantity
    for entry in plan.queue:
        before = entry.waiting + entry.allocated
        assert before == now_units.get(entry.line_id, 0) + left[entry.line_id], entry


@FAST
@given(worlds(), st.sampled_from(SKUS), st.integers(1, 3))
def test_a_newer_order_does_not_move_the_promises_made_before_it(
    world: World, sku: str, qty: int
) -> None:
    plan = run(world)
    current = apply_plan(world.state, plan)
    newcomer = order("NEW", NOW + timedelta(seconds=1), line("NEW-L", sku, qty))
    variants = tuple(
        replace(v, available=v.available - qty) if v.sku == sku else v for v in current.variants
    )
    later = run(world, replace(current, orders=(*current.orders, newcomer), variants=variants))
    before = {entry.line_id: entry.eta for entry in plan.queue if entry.waiting}
    after = {entry.line_id: entry.eta for entry in later.queue if entry.line_id in before}
    assert after == before
    assert not [n for n in later.notifications if n.order_id != "NEW"]


@FAST
@given(worlds(), st.data())
def test_an_incremental_plan_equals_a_full_plan_of_the_changed_state(
    world: World, data: st.DataObject
) -> None:
    from connector.engine import Engine, StateDelta

    current = apply_plan(world.state, run(world))
    engine = Engine([world.policy], DEFAULT)
    engine.load(current)
    assert engine.plan(NOW).is_empty

    sku = data.draw(st.sampled_from(SKUS))
    qty = data.draw(st.integers(1, 3))
    newcomer = order("NEW", NOW + timedelta(seconds=1), line("NEW-L", sku, qty))
    changed = [replace(v, available=v.available - qty) for v in current.variants if v.sku == sku]
    cancelled = []
    fate = data.draw(st.sampled_from(("keep", "cancel", "ship")))
    if current.orders and fate == "cancel":
        cancelled = [replace(current.orders[0], status=OrderStatus.CANCELLED)]
    elif current.orders and fate == "ship":
        first = current.orders[0]
        shipped = tuple(replace(ln, fulfilled=ln.quantity) for ln in first.lines)
        cancelled = [replace(first, lines=shipped)]
    new_pos = []
    if data.draw(st.booleans()):
        due = NOW.date() + timedelta(days=data.draw(st.integers(0, 40)))
        new_pos.append(
            po("PO-NEW", data.draw(st.sampled_from(SKUS)), data.draw(st.integers(1, 5)), due)
        )
    delta = StateDelta(
        orders=(newcomer, *cancelled), variants=tuple(changed), purchase_orders=tuple(new_pos)
    )
    incremental = engine.plan(NOW, engine.apply(delta))

    orders = {o.platform_id: o for o in current.orders}
    orders.update({o.platform_id: o for o in (newcomer, *cancelled)})
    variants = {v.platform_id: v for v in current.variants}
    variants.update({v.platform_id: v for v in changed})
    full = run(
        world,
        replace(
            current,
            orders=tuple(orders.values()),
            variants=tuple(variants.values()),
            purchase_orders=(*current.purchase_orders, *new_pos),
        ),
    )
    assert incremental.queue == full.queue
    assert set(incremental.storefront) == set(full.storefront)
    assert set(incremental.order_actions) == set(full.order_actions)
    assert set(incremental.notifications) == set(full.notifications)
    assert sorted(map(repr, incremental.events)) == sorted(map(repr, full.events))
