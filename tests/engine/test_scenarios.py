"""Scenarios as a store owner tells them, asserting what the owner and the customers would see."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from connector.engine import EngineState, decide
from connector.model import (
    BackorderEventKind,
    ChangeKind,
    InventoryPolicy,
    NotificationKind,
    Order,
    OrderActionKind,
    OrderStatus,
    Plan,
    PurchaseOrder,
)
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
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

SOFAS = PolicySettings(
    name="sofas", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("SOFA-*",)), handling_days=2
)
DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)


def notices(plan: Plan, kind: NotificationKind) -> dict[str, object]:
    return {n.order_number: n for n in plan.notifications if n.kind is kind}


def eta_of(plan: Plan, line_id: str) -> date | None:
    return next(entry.eta for entry in plan.queue if entry.line_id == line_id)


def sofa_shop(
    *extra_orders: Order, available: int = -3, pos: tuple[PurchaseOrder, ...] | None = None
) -> EngineState:
    """Three sofas sold beyond stock (Anna 2, Ben 1); two purchase orders on their way."""
    return state(
        products=(product("P1", title="Oak sofa"),),
        variants=(variant("SOFA-OAK", available),),
        orders=(
            order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 2)),
            order("BEN", at("2026-11-05"), line("B1", "SOFA-OAK", 1)),
            *extra_orders,
        ),
        purchase_orders=pos
        or (
            po("PO1", "SOFA-OAK", 2, date(2026, 12, 1)),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )


def test_a_sold_out_sofa_with_two_purchase_orders_gets_a_date_per_customer() -> None:
    current = sofa_shop()
    plan = decide(current, [SOFAS], DEFAULT, NOW)

    # Anna's two sofas come with the first PO, Ben's with the second; two handling days each.
    assert eta_of(plan, "A1") == date(2026, 12, 3)
    assert eta_of(plan, "B1") == date(2026, 12, 22)
    confirmations = notices(plan, NotificationKind.BACKORDER_CONFIRMATION)
    assert set(confirmations) == {"#ANNA", "#BEN"}
    assert confirmations["#ANNA"].promised_date == date(2026, 12, 3)  # type: ignore[attr-defined]
    # The shop keeps selling (4 more units are covered) and says when the next one ships.
    eta = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert eta.eta_label == "Ships by December 22, 2026"
    tags = next(c for c in plan.storefront if c.kind is ChangeKind.ADD_TAGS)
    assert tags.tags == ("backorder", "ships-2026-12")
    holds = [a for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES]
    assert {(a.order_id, a.lines, a.hold_reason) for a in holds} == {
        ("ANNA", (("A1", 2),), "INVENTORY_OUT_OF_STOCK"),
        ("BEN", (("B1", 1),), "INVENTORY_OUT_OF_STOCK"),
    }
    # Nothing changed since: the same state gives an empty plan.
    again = decide(apply_plan(current, plan), [SOFAS], DEFAULT, NOW)
    assert again.is_empty and not again.events


def test_when_the_first_po_arrives_anna_is_told_her_sofas_ship_soon() -> None:
    current = sofa_shop()
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))
    arrived = replace(
        current,
        variants=(replace(current.variants[0], available=-1),),
        purchase_orders=(
            po("PO1", "SOFA-OAK", 2, date(2026, 12, 1), received=2),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )
    plan = decide(arrived, [SOFAS], DEFAULT, NOW + timedelta(days=3))

    assert set(notices(plan, NotificationKind.SHIP_SOON)) == {"#ANNA"}
    releases = [a for a in plan.order_actions if a.kind is OrderActionKind.RELEASE_HOLD]
    assert [a.order_id for a in releases] == ["ANNA"]  # her whole hold goes; nothing of hers waits
    assert not any(
        a.kind is OrderActionKind.HOLD_LINES and a.order_id == "ANNA" for a in plan.order_actions
    )
    assert eta_of(plan, "B1") == date(2026, 12, 22)  # Ben's promise stands
    assert not notices(plan, NotificationKind.DELAY)


def test_a_vip_jumps_the_queue_and_the_customer_pushed_back_is_told() -> None:
    current = sofa_shop()
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))
    vip = order(
        "CARA", at("2026-11-19"), line("C1", "SOFA-OAK", 1), customer_tags=frozenset({"VIP"})
    )
    later = replace(
        current,
        orders=(*current.orders, vip),
        variants=(replace(current.variants[0], available=-4),),
    )
    plan = decide(later, [SOFAS], DEFAULT, NOW)

    cara = next(e for e in plan.queue if e.line_id == "C1")
    assert cara.position == 1 and "VIP" in cara.reason
    assert cara.eta == date(2026, 12, 3)
    delays = notices(plan, NotificationKind.DELAY)
    assert set(delays) == {"#ANNA"}  # Anna's second sofa now needs the second PO
    assert delays["#ANNA"].old_promised_date == date(2026, 12, 3)  # type: ignore[attr-defined]
    assert delays["#ANNA"].promised_date == date(2026, 12, 22)  # type: ignore[attr-defined]
    assert set(notices(plan, NotificationKind.BACKORDER_CONFIRMATION)) == {"#CARA"}
    assert eta_of(plan, "B1") == date(2026, 12, 22)


def test_a_supplier_delay_moves_the_promise_and_mails_only_the_customers_it_hits() -> None:
    current = sofa_shop()
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))
    slipped = replace(
        current,
        purchase_orders=(
            po("PO1", "SOFA-OAK", 2, date(2026, 12, 15)),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )
    plan = decide(slipped, [SOFAS], DEFAULT, NOW)

    delays = notices(plan, NotificationKind.DELAY)
    assert set(delays) == {"#ANNA"}
    assert delays["#ANNA"].promised_date == date(2026, 12, 17)  # type: ignore[attr-defined]
    kinds = [e.kind for e in plan.events]
    assert kinds == [BackorderEventKind.DELAYED]


def test_a_purchase_order_whose_date_passes_leaves_no_date_and_stops_sales() -> None:
    current = sofa_shop(
        pos=(po("PO1", "SOFA-OAK", 5, date(2026, 11, 25)),),
    )
    first = decide(current, [SOFAS], DEFAULT, NOW)
    assert next(c for c in first.storefront if c.kind is ChangeKind.ETA).eta_label == (
        "Ships by November 27, 2026"
    )
    current = apply_plan(current, first)
    later = NOW + timedelta(days=10)  # PO1 due Nov 25 never came
    plan = decide(current, [SOFAS], DEFAULT, later)

    delays = notices(plan, NotificationKind.DELAY)
    assert set(delays) == {"#ANNA", "#BEN"}
    assert all(n.promised_date is None for n in delays.values())  # type: ignore[attr-defined]
    policy = next(c for c in plan.storefront if c.kind is ChangeKind.INVENTORY_POLICY)
    assert policy.policy is InventoryPolicy.DENY
    label = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert label.eta_label == "No longer taking backorders"
    assert any(e.kind is BackorderEventKind.SOLD_OUT for e in plan.events)
    tags = {c.kind: c.tags for c in plan.storefront if c.variant_id is None}
    assert tags[ChangeKind.ADD_TAGS] == ("no-backorders",)
    assert set(tags[ChangeKind.REMOVE_TAGS]) == {"backorder", "ships-2026-11"}


def test_a_cancelled_order_frees_its_stock_for_the_next_in_line() -> None:
    # Anna's two sofas were in stock; Ben's one was not.
    current = sofa_shop(available=-1)
    plan = decide(current, [SOFAS], DEFAULT, NOW)
    assert [e.line_id for e in plan.queue] == ["B1"]
    current = apply_plan(current, plan)

    anna = replace(current.orders[0], status=OrderStatus.CANCELLED)
    cancelled = replace(
        current,
        orders=(anna, current.orders[1]),
        variants=(replace(current.variants[0], available=1),),  # the platform restocked 2
    )
    plan = decide(cancelled, [SOFAS], DEFAULT, NOW)

    assert set(notices(plan, NotificationKind.SHIP_SOON)) == {"#BEN"}
    actions = {(a.order_id, a.kind) for a in plan.order_actions}
    assert ("BEN", OrderActionKind.RELEASE_HOLD) in actions
    assert ("BEN", OrderActionKind.REMOVE_TAGS) in actions
    eta = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert eta.eta_label is None  # back in stock: our label goes


def test_a_waiting_customer_who_cancels_is_told_and_the_next_moves_up() -> None:
    current = sofa_shop()
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))
    anna = replace(current.orders[0], status=OrderStatus.CANCELLED)
    plan = decide(replace(current, orders=(anna, current.orders[1])), [SOFAS], DEFAULT, NOW)

    assert set(notices(plan, NotificationKind.CANCELLATION)) == {"#ANNA"}
    assert eta_of(plan, "B1") == date(2026, 12, 3)  # Ben now gets the first PO
    kinds = sorted(e.kind.value for e in plan.events)
    assert kinds == ["cancelled", "eta_set"]


GAMES = PolicySettings(
    name="launch",
    mode=PolicyMode.PREORDER,
    match=PolicyMatch(tags=("launch",)),
    release_date=date(2026, 12, 15),
    preorder_limit=5,
    payment_terms="Paid in full at checkout",
)


def game_shop(available: int, release: date = date(2026, 12, 15)):  # type: ignore[no-untyped-def]
    return state(
        products=(product("G", title="Game", tags=frozenset({"launch"})),),
        variants=(variant("GAME-1", available, pid="G", inventory_policy=InventoryPolicy.DENY),),
        orders=(
            order("P1", at("2026-11-10"), line("L1", "GAME-1", 1)),
            order("P2", at("2026-11-11"), line("L2", "GAME-1", 2)),
        ),
    )


def test_pre_orders_take_up_to_the_limit_and_ship_on_release() -> None:
    current = game_shop(available=-3)
    plan = decide(current, [GAMES], DEFAULT, NOW)

    confirmations = notices(plan, NotificationKind.PREORDER_CONFIRMATION)
    assert set(confirmations) == {"#P1", "#P2"}
    assert confirmations["#P1"].promised_date == date(2026, 12, 16)  # type: ignore[attr-defined]
    assert confirmations["#P1"].payment_terms == "Paid in full at checkout"  # type: ignore[attr-defined]
    label = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert label.eta_label == "Pre-order: ships by December 16, 2026"
    policy = next(c for c in plan.storefront if c.kind is ChangeKind.INVENTORY_POLICY)
    assert policy.policy is InventoryPolicy.CONTINUE  # 3 of 5 taken
    tags = next(c for c in plan.storefront if c.kind is ChangeKind.ADD_TAGS)
    assert tags.tags == ("preorder", "ships-2026-12")

    # Two more pre-orders reach the limit: the shop stops taking them, visibly.
    current = apply_plan(current, plan)
    more = order("P3", at("2026-11-19"), line("L3", "GAME-1", 2))
    full = replace(
        current,
        orders=(*current.orders, more),
        variants=(replace(current.variants[0], available=-5),),
    )
    plan = decide(full, [GAMES], DEFAULT, NOW)
    label = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert label.eta_label == "No longer taking pre-orders"
    assert any(
        c.kind is ChangeKind.INVENTORY_POLICY and c.policy is InventoryPolicy.DENY
        for c in plan.storefront
    )


def test_a_pre_order_released_early_ships_the_waiting_customers() -> None:
    current = game_shop(available=-3)
    current = apply_plan(current, decide(current, [GAMES], DEFAULT, NOW))
    # Stock arrived early (5 units); the customers still wait for the release date.
    stocked = replace(current, variants=(replace(current.variants[0], available=2),))
    plan = decide(stocked, [GAMES], DEFAULT, NOW)
    assert not notices(plan, NotificationKind.SHIP_SOON)
    assert all(entry.waiting for entry in plan.queue)

    # The owner moves the release to today.
    early = replace(GAMES, release_date=NOW.date())
    plan = decide(apply_plan(stocked, plan), [early], DEFAULT, NOW)
    assert set(notices(plan, NotificationKind.SHIP_SOON)) == {"#P1", "#P2"}
    assert all(entry.waiting == 0 for entry in plan.queue)
    released = {a.order_id for a in plan.order_actions if a.kind is OrderActionKind.RELEASE_HOLD}
    assert released == {"P1", "P2"}


def test_a_mixed_order_ships_what_is_in_stock_and_holds_only_the_rest() -> None:
    current = state(
        products=(product("P1"), product("P2")),
        variants=(variant("SOFA-OAK", -1), variant("SOFA-LAMP", 5, pid="P2")),
        orders=(
            order(
                "MIX",
                at("2026-11-10"),
                line("M1", "SOFA-OAK", 1),
                line("M2", "SOFA-LAMP", 2),
            ),
        ),
        purchase_orders=(po("PO1", "SOFA-OAK", 4, date(2026, 12, 1)),),
    )
    plan = decide(current, [SOFAS], DEFAULT, NOW)

    hold = next(a for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES)
    assert hold.lines == (("M1", 1),)
    confirmation = plan.notifications[0]
    shown = {(n.line_id, n.ships_now, n.eta) for n in confirmation.lines}
    assert shown == {("M1", False, date(2026, 12, 3)), ("M2", True, None)}


def test_a_waiting_customer_hears_from_us_every_two_weeks() -> None:
    current = sofa_shop(
        pos=(
            po("PO1", "SOFA-OAK", 2, date(2026, 12, 10)),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        )
    )
    current = apply_plan(current, decide(current, [SOFAS], DEFAULT, NOW))
    assert decide(current, [SOFAS], DEFAULT, NOW + timedelta(days=13)).is_empty
    plan = decide(current, [SOFAS], DEFAULT, NOW + timedelta(days=14))
    reminders = notices(plan, NotificationKind.REMINDER)
    assert set(reminders) == {"#ANNA", "#BEN"}
    assert reminders["#BEN"].promised_date == date(2026, 12, 22)  # type: ignore[attr-defined]


def test_labels_speak_the_shop_language() -> None:
    current = replace(sofa_shop(), shop=replace(SHOP, locale="fr"))
    plan = decide(current, [SOFAS], DEFAULT, NOW)
    label = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert label.eta_label == "Expédié d'ici le 22 décembre 2026"


def test_every_email_locale_has_storefront_labels_in_its_own_words() -> None:
    """A Swedish shop writes its customers in Swedish; its product page must not speak English."""
    from pathlib import Path

    import templates

    folders = {p.name for p in Path(templates.__file__).parent.iterdir() if p.is_dir()}
    for locale in sorted(f for f in folders - {"en"} if not f.startswith("_")):
        current = replace(sofa_shop(), shop=replace(SHOP, locale=locale))
        plan = decide(current, [SOFAS], DEFAULT, NOW)
        label = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
        assert label.eta_label and not label.eta_label.startswith("Ships"), (locale, label)
    swedish = replace(sofa_shop(), shop=replace(SHOP, locale="sv"))
    label = next(
        c for c in decide(swedish, [SOFAS], DEFAULT, NOW).storefront if c.kind is ChangeKind.ETA
    )
    assert label.eta_label == "Skickas senast 22 december 2026"


def test_stop_policy_never_sells_out_of_stock() -> None:
    current = state(
        products=(product("P9"),),
        variants=(variant("MUG-1", 0, pid="P9"),),
    )
    plan = decide(current, [SOFAS], DEFAULT, NOW)
    assert [(c.kind, c.policy) for c in plan.storefront] == [
        (ChangeKind.INVENTORY_POLICY, InventoryPolicy.DENY)
    ]


def test_a_lead_time_keeps_selling_without_a_purchase_order() -> None:
    made_to_order = replace(SOFAS, lead_time_days=21, max_backorder_units=10)
    current = sofa_shop(pos=())
    current = replace(current, purchase_orders=())
    plan = decide(current, [made_to_order], DEFAULT, NOW)
    assert eta_of(plan, "A1") == date(2026, 11, 24)  # ordered Nov 1 + 21 days + 2 handling
    label = next(c for c in plan.storefront if c.kind is ChangeKind.ETA)
    assert label.eta_label == "Ships within 23 days"


def test_a_delay_can_come_with_a_discount_code_offered_once() -> None:
    generous = replace(SOFAS, delay_discount_percent=Decimal("10"))
    current = sofa_shop()
    current = apply_plan(current, decide(current, [generous], DEFAULT, NOW))
    slipped = replace(
        current,
        purchase_orders=(
            po("PO1", "SOFA-OAK", 2, date(2026, 12, 15)),
            po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)),
        ),
    )
    plan = decide(slipped, [generous], DEFAULT, NOW)
    [delay] = [n for n in plan.notifications if n.kind is NotificationKind.DELAY]
    [discount] = [a for a in plan.order_actions if a.kind is OrderActionKind.CREATE_DISCOUNT]
    assert delay.discount_code == discount.discount_code != ""
    assert (discount.order_id, discount.discount_percent) == ("ANNA", Decimal("10"))
    assert decide(apply_plan(slipped, plan), [generous], DEFAULT, NOW).is_empty
