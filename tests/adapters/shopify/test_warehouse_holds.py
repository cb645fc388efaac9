"""A fulfillment order already sent to a warehouse (a fulfillment service) cannot be held.

Shopify says so in ``supportedActions`` (no ``HOLD``) and refuses the hold. The owner is told
why the line could not be held, in words they can act on; the order is left as the shop has it.
"""

from __future__ import annotations

from connector.model import OrderAction, OrderActionKind, WriteResult, WriteStatus
from connector.platform import ResyncTarget
from tests.adapters.shopify.conftest import Rig


def _hold_backordered_line(rig: Rig, *, submitted: bool) -> tuple[str, WriteResult]:
    variants = rig.store.state()["variants"].values()
    short = next(v["sku"] for v in variants if v["policy"] == "CONTINUE" and v["tracked"])
    order_id = rig.store.place_order("wh@example.com", [(short, 2)], name="Wanda")
    if submitted:
        rig.store.submit_fulfillment(order_id)
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    [line] = order.lines
    action = OrderAction(
        "sandbox",
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=((line.platform_id, 2),),
        hold_reason="INVENTORY_OUT_OF_STOCK",
    )
    [result] = rig.adapter.apply_order_actions([action])
    return order_id, result


def test_a_line_sent_to_a_warehouse_is_not_held_and_the_owner_is_told_why(rig: Rig) -> None:
    order_id, result = _hold_backordered_line(rig, submitted=True)
    assert result.status is WriteStatus.FAILED
    assert "fulfillment service" in result.message
    assert "ask it to hold" in result.message
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert not any(line.on_hold for line in order.lines)
    sent = [e.operation for e in rig.store.log.entries()]
    assert "FulfillmentOrderHold" not in sent  # a hold Shopify refuses is not even asked for


def test_the_same_line_not_yet_sent_is_held(rig: Rig) -> None:
    order_id, result = _hold_backordered_line(rig, submitted=False)
    assert result.status is WriteStatus.DONE
    [order] = rig.adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert all(line.on_hold for line in order.lines)
