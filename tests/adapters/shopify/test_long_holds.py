"""A backordered line past the first page of an order's fulfillment orders or line items is held
too; a hold is never reported done while a line we were asked to hold is not held."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.model import OrderAction, OrderActionKind, WriteStatus
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify.records import parse_gid
from tests.adapters.shopify.conftest import Rig, make_rig


@pytest.fixture
def big() -> Iterator[Rig]:
    rig = make_rig(SeedSpec(seed=3, products=40, customers=5, orders=0))
    yield rig
    rig.adapter.close()
    rig.store.stop()


def _order(rig: Rig, count: int) -> tuple[str, list[str]]:
    state = rig.store.state()
    skus = sorted(
        v["sku"]
        for v in state["variants"].values()
        if not v["tracked"] or v["policy"] == "CONTINUE" or v["available"] >= 2
    )[:count]
    order_id = rig.store.place_order("long@example.com", [(sku, 1) for sku in skus])
    return order_id, list(rig.store.state()["orders"][order_id]["lines"])


def _hold(order_id: str, *lines: str) -> OrderAction:
    return OrderAction(
        "sandbox",
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=tuple((line, 1) for line in lines),
        hold_reason="INVENTORY_OUT_OF_STOCK",
    )


def _held_lines(rig: Rig, order_id: str) -> set[str]:
    fos = rig.store.state()["orders"][order_id]["fulfillment_orders"].values()
    return {line for fo in fos if fo["status"] == "ON_HOLD" for line in fo["lines"]}


def test_the_last_of_many_lines_is_held(big: Rig) -> None:
    order_id, lines = _order(big, 14)
    [result] = big.adapter.apply_order_actions([_hold(order_id, lines[0], lines[-1])])
    assert result.status is WriteStatus.DONE
    assert _held_lines(big, order_id) == {lines[0], lines[-1]}


def test_a_line_on_the_seventh_fulfillment_order_is_held(big: Rig) -> None:
    order_id, lines = _order(big, 7)
    data = big.store.data
    with data.lock:
        order = data.orders[parse_gid(order_id, "Order")[1]]  # type: ignore[index]
        first = data.fulfillment_orders[order.fo_ids[0]]
        # Each line on a fulfillment order of its own, as when stock sits at seven locations.
        for line in sorted(first.remaining)[1:]:
            data.split_off(first, {line: 1})
    assert len(big.store.state()["orders"][order_id]["fulfillment_orders"]) == 7
    [result] = big.adapter.apply_order_actions([_hold(order_id, lines[-1])])
    assert result.status is WriteStatus.DONE
    assert _held_lines(big, order_id) == {lines[-1]}
    # The rerun finds its own hold on the last fulfillment order.
    [again] = big.adapter.apply_order_actions([_hold(order_id, lines[-1])])
    assert again.status is WriteStatus.SKIPPED
