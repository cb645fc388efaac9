"""A product not yet released is a pre-order on the storefront whatever its stock."""

from __future__ import annotations

from datetime import date
from typing import Any

from connector.engine import EngineState, decide
from connector.model import ChangeKind, InventoryPolicy, Plan
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import NOW, apply_plan, at, line, order, product, state, variant

LAUNCH = PolicySettings(name="launch", mode=PolicyMode.PREORDER, match=PolicyMatch(tags=("new",)))
DEFAULT = PolicySettings(name="default", mode=PolicyMode.BACKORDER)


def table_shop(**variant_fields: Any) -> EngineState:
    """Velvet Table: 14 on hand, released 2026-12-27; one customer pre-ordered 3."""
    fields: dict[str, Any] = {"release_date": date(2026, 12, 27)}
    fields.update(variant_fields)
    return state(
        products=(product("P5", title="Velvet Table", tags=frozenset({"new", "preorder"})),),
        variants=(variant("TABL-5", 14, pid="P5", **fields),),
        orders=(order("27", at("2026-11-01"), line("T1", "TABL-5", 3, preorder=True)),),
    )


def shown(plan: Plan) -> dict[str, object]:
    out: dict[str, object] = {}
    for change in plan.storefront:
        if change.kind is ChangeKind.ETA:
            out["label"] = change.eta_label
        elif change.kind is ChangeKind.ADD_TAGS:
            out["add"] = change.tags
        elif change.kind is ChangeKind.REMOVE_TAGS:
            out["remove"] = change.tags
        elif change.kind is ChangeKind.INVENTORY_POLICY:
            out["policy"] = change.policy
    return out


def test_an_unreleased_product_with_untracked_stock_shows_the_pre_order() -> None:
    current = table_shop(tracked=False, inventory_policy=InventoryPolicy.DENY)
    plan = decide(current, [LAUNCH], DEFAULT, NOW)

    seen = shown(plan)
    assert "remove" not in seen  # the preorder tag stays
    assert seen["add"] == ("ships-2026-12",)
    assert seen["label"] == "Pre-order: ships by December 28, 2026"
    assert "policy" not in seen  # untracked stock sells anyway; a policy would track it
    assert decide(apply_plan(current, plan), [LAUNCH], DEFAULT, NOW).is_empty


def test_an_unreleased_product_with_stock_on_hand_shows_the_pre_order() -> None:
    plan = decide(table_shop(inventory_policy=InventoryPolicy.DENY), [LAUNCH], DEFAULT, NOW)

    seen = shown(plan)
    assert seen["label"] == "Pre-order: ships by December 28, 2026"
    assert "remove" not in seen


def test_a_release_date_of_its_own_makes_a_pre_order_under_a_backorder_policy() -> None:
    plan = decide(table_shop(tracked=False), [], DEFAULT, NOW)

    seen = shown(plan)
    assert seen["label"] == "Pre-order: ships by December 28, 2026"
    assert "remove" not in seen


def test_once_released_the_product_with_stock_is_simply_in_stock() -> None:
    current = table_shop(release_date=date(2026, 11, 1), eta_label="Pre-order: ships by x")
    plan = decide(current, [LAUNCH], DEFAULT, NOW)

    seen = shown(plan)
    assert seen["label"] is None  # our label goes
    assert seen["remove"] == ("preorder",)
