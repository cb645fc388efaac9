"""A hold spread over two fulfillment orders (two locations) whose second call failed is finished
on the rerun, not reported as already held."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from adapters.shopify.client import GraphQLClient
from adapters.shopify.orders import OrderWriter, hold_handle
from connector.clock import FrozenClock
from connector.model import OrderAction, OrderActionKind, WriteStatus

ORDER = "gid://shopify/Order/1001"
ACTION = OrderAction(
    "shop",
    OrderActionKind.HOLD_LINES,
    ORDER,
    lines=(("gid://shopify/LineItem/1", 2), ("gid://shopify/LineItem/2", 1)),
    hold_reason="INVENTORY_OUT_OF_STOCK",
)


def _fo(number: int, line: int, quantity: int, holds: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/FulfillmentOrder/{number}",
        "status": "ON_HOLD" if holds else "OPEN",
        "fulfillmentHolds": holds,
        "lineItems": {
            "nodes": [
                {
                    "id": f"gid://shopify/FulfillmentOrderLineItem/{number}{line}",
                    "remainingQuantity": quantity,
                    "lineItem": {"id": f"gid://shopify/LineItem/{line}"},
                }
            ]
        },
    }


class Recorder:
    """Answers OrderFulfillment with ``order`` and records every hold asked for."""

    def __init__(self, order: Mapping[str, Any]) -> None:
        self.order = order
        self.holds: list[str] = []

    def run(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> dict[str, Any]:
        if name == "OrderFulfillment":
            return {"nodes": [self.order]}
        assert name == "FulfillmentOrderHold" and variables is not None
        self.holds.append(str(variables["id"]))
        return {"fulfillmentOrderHold": {"userErrors": []}}


def _writer(order: Mapping[str, Any]) -> tuple[OrderWriter, Recorder]:
    client = Recorder(order)
    clock = FrozenClock(datetime(2026, 11, 20, tzinfo=UTC))
    return OrderWriter(cast(GraphQLClient, client), clock), client


def test_a_rerun_holds_the_fulfillment_order_the_first_run_missed() -> None:
    ours = [{"id": "gid://shopify/FulfillmentHold/9", "handle": hold_handle(ACTION)}]
    order = {
        "id": ORDER,
        "fulfillmentOrders": {"nodes": [_fo(1, 1, 2, ours), _fo(2, 2, 1, [])]},
    }
    writer, client = _writer(order)
    [result] = writer.apply([ACTION])
    assert result.status is WriteStatus.DONE
    assert client.holds == ["gid://shopify/FulfillmentOrder/2"]


def test_both_fulfillment_orders_held_is_skipped() -> None:
    ours = [{"id": "gid://shopify/FulfillmentHold/9", "handle": hold_handle(ACTION)}]
    order = {
        "id": ORDER,
        "fulfillmentOrders": {"nodes": [_fo(1, 1, 2, ours), _fo(2, 2, 1, ours)]},
    }
    writer, client = _writer(order)
    [result] = writer.apply([ACTION])
    assert result.status is WriteStatus.SKIPPED
    assert client.holds == []
