"""A hold of only the backordered line of a mixed order is read back on the next sync.

Shopify shows such an order UNFULFILLED (ON_HOLD means every unfulfilled item is held), so the
sync must not look for our holds only on ON_HOLD orders, or the engine plans the hold every cycle.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests

from connector.model import Order, OrderAction, OrderActionKind, WriteStatus
from connector.platform import Resource, ResyncTarget
from tests.adapters.shopify.conftest import Rig

STATUS = "query($id: ID!) { order(id: $id) { displayFulfillmentStatus } }"


def _variant(rig: Rig, **wanted: Any) -> dict[str, Any]:
    for variant in rig.store.state()["variants"].values():
        sellable = variant["policy"] == "CONTINUE" or variant["available"] >= 1
        if sellable and all(variant[k] == v for k, v in wanted.items()):
            return dict(variant)
    raise AssertionError(f"no variant with {wanted}")


def _display_status(rig: Rig, order_id: str) -> str:
    answer = requests.post(
        f"{rig.store.base_url}/admin/api/2026-10/graphql.json",
        json={"query": STATUS, "variables": {"id": order_id}},
        headers={"X-Shopify-Access-Token": rig.store.access_token},
        timeout=5,
    ).json()
    return str(answer["data"]["order"]["displayFulfillmentStatus"])


def _on_hold(order: Order) -> dict[str, bool]:
    return {line.sku or "": line.on_hold for line in order.lines}


def test_a_held_backordered_line_of_a_mixed_order_reads_on_hold(rig: Rig) -> None:
    _, cursor = rig.sync(Resource.ORDERS, None)
    in_stock = _variant(rig, policy="DENY", tracked=True)
    backordered = _variant(rig, policy="CONTINUE", tracked=True)
    rig.clock.advance(timedelta(minutes=5))
    order_id = rig.store.place_order(
        "mixed@example.com", [(in_stock["sku"], 1), (backordered["sku"], 2)]
    )
    lines = rig.store.state()["orders"][order_id]["lines"]
    held_line = next(i for i, line in lines.items() if line["sku"] == backordered["sku"])
    hold = OrderAction(
        "sandbox",
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=((held_line, 2),),
        hold_reason="INVENTORY_OUT_OF_STOCK",
    )
    [result] = rig.adapter.apply_order_actions([hold])
    assert result.status is WriteStatus.DONE
    # The in-stock line can still ship, so Shopify does not call the order ON_HOLD.
    assert _display_status(rig, order_id) == "UNFULFILLED"

    rig.clock.advance(timedelta(minutes=5))
    pages, _ = rig.sync(Resource.ORDERS, cursor)
    [synced] = [o for p in pages for o in p.orders if o.platform_id == order_id]
    expected = {in_stock["sku"]: False, backordered["sku"]: True}
    assert _on_hold(synced) == expected
    [fetched] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert _on_hold(fetched) == expected

    # The engine, seeing the hold, plans nothing; were it asked again, the hold is already there.
    [again] = rig.adapter.apply_order_actions([hold])
    assert again.status is WriteStatus.SKIPPED


def test_an_order_with_no_hold_costs_no_fulfillment_call(rig: Rig) -> None:
    in_stock = _variant(rig, policy="DENY", tracked=True)
    order_id = rig.store.place_order("plain@example.com", [(in_stock["sku"], 1)])
    rig.store.log.clear()
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert not any(line.on_hold for line in order.lines)
    assert "OrderFulfillment" not in [e.operation for e in rig.store.log.entries()]
