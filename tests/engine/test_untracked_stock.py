"""Uncounted stock with a status its owner set by hand (docs/woocommerce.md, "Stock combinations").

``tracked`` false and ``untracked_status``: in stock sells without limit and nothing waits; on
backorder sells and every unit waits (tagged, dated when supply gives a date); out of stock does not
sell and shows nothing of ours. No plan ever changes the selling policy of an uncounted variant:
that would switch the owner's stock management on.
"""

from __future__ import annotations

from datetime import date

import pytest

from connector.engine import decide
from connector.model import ChangeKind, InventoryPolicy, OrderActionKind, StockStatus
from connector.settings import PolicyMatch, PolicyMode, PolicySettings
from tests.engine.builders import NOW, at, line, order, po, product, state, variant

BENCHES = PolicySettings(
    name="benches", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("BENCH-*",))
)
STOP = PolicySettings(name="default", mode=PolicyMode.STOP)


def shop(status: StockStatus, policy_po: bool = True) -> object:
    return state(
        products=(product("P1"),),
        variants=(
            variant(
                "BENCH-1",
                0,
                pid="P1",
                tracked=False,
                untracked_status=status,
                inventory_policy=InventoryPolicy.DENY,
            ),
        ),
        orders=(order("7", at("2026-11-10"), line("L1", "BENCH-1", 3)),),
        purchase_orders=(po("PO1", "BENCH-1", 5, date(2026, 12, 1)),) if policy_po else (),
    )


@pytest.mark.parametrize(
    ("status", "waiting"),
    [(StockStatus.IN_STOCK, 0), (StockStatus.BACKORDER, 3), (StockStatus.OUT_OF_STOCK, 3)],
)
def test_what_waits_follows_the_status_the_owner_set(status: StockStatus, waiting: int) -> None:
    plan = decide(shop(status), [BENCHES], STOP, NOW)  # type: ignore[arg-type]
    assert sum(entry.waiting for entry in plan.queue) == waiting
    held = [a for a in plan.order_actions if a.kind is OrderActionKind.HOLD_LINES]
    assert [a.lines for a in held] == ([(("L1", 3),)] if waiting else [])
    assert not [c for c in plan.storefront if c.kind is ChangeKind.INVENTORY_POLICY]


def test_on_backorder_by_hand_is_tagged_and_dated_but_out_of_stock_shows_nothing() -> None:
    backorder = decide(shop(StockStatus.BACKORDER), [BENCHES], STOP, NOW)  # type: ignore[arg-type]
    labels = [c.eta_label for c in backorder.storefront if c.kind is ChangeKind.ETA]
    tags = [c.tags for c in backorder.storefront if c.kind is ChangeKind.ADD_TAGS]
    assert labels and labels[0] and labels[0].startswith("Ships by")
    assert tags and "backorder" in tags[0]
    out = decide(shop(StockStatus.OUT_OF_STOCK), [BENCHES], STOP, NOW)  # type: ignore[arg-type]
    assert out.storefront == ()


def test_a_stop_policy_never_switches_stock_management_on() -> None:
    plan = decide(shop(StockStatus.BACKORDER), [], STOP, NOW)  # type: ignore[arg-type]
    assert plan.storefront == ()
    assert sum(entry.waiting for entry in plan.queue) == 3  # the units sold still wait
