"""A sync sees every hold of ours, however far down the order's fulfillment orders or lines it sits,
so a held line reads on_hold and the engine does not plan the same hold again every cycle."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.model import Order, OrderAction, OrderActionKind, WriteStatus
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify.records import parse_gid
from tests.adapters.shopify.conftest import SMALL, Rig, make_rig


@pytest.fixture
def big() -> Iterator[Rig]:
    rig = make_rig(SeedSpec(seed=3, products=40, customers=5, orders=0))
    yield rig
    rig.adapter.close()
    rig.store.stop()


def _long_split_order(rig: Rig) -> tuple[str, list[str]]:
    """17 lines over 7 fulfillment orders: lines 1-6 one each, lines 7-17 together on the 7th."""
    state = rig.store.state()
    skus = sorted(
        v["sku"]
        for v in state["variants"].values()
        if not v["tracked"] or v["policy"] == "CONTINUE" or v["available"] >= 2
    )[:17]
    order_id = rig.store.place_order("split@example.com", [(sku, 1) for sku in skus])
    data = rig.store.data
    with data.lock:
        order = data.orders[parse_gid(order_id, "Order")[1]]  # type: ignore[index]
        first = data.fulfillment_orders[order.fo_ids[0]]
        ids = sorted(first.remaining)
        for line in ids[1:6]:
            data.split_off(first, {line: 1})
        data.split_off(first, dict.fromkeys(ids[6:], 1))
    fos = rig.store.state()["orders"][order_id]["fulfillment_orders"]
    assert len(fos) == 7
    return order_id, list(rig.store.state()["orders"][order_id]["lines"])


def _synced(rig: Rig, order_id: str) -> Order:
    pages, _ = rig.sync(Resource.ORDERS, None)
    [order] = [o for p in pages for o in p.orders if o.platform_id == order_id]
    return order


def test_a_hold_past_the_tenth_line_of_the_seventh_fulfillment_order_reads_on_hold(
    big: Rig,
) -> None:
    order_id, lines = _long_split_order(big)
    held = lines[6:]  # all eleven lines of the 7th fulfillment order; the last is its 11th
    action = OrderAction(
        "sandbox",
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=tuple((line, 1) for line in held),
        hold_reason="INVENTORY_OUT_OF_STOCK",
    )
    [result] = big.adapter.apply_order_actions([action])
    assert result.status is WriteStatus.DONE

    order = _synced(big, order_id)
    on_hold = {line.platform_id for line in order.lines if line.on_hold}
    assert on_hold == set(held)
    # The next cycle, seeing the hold, has nothing to do; a rerun finds it there.
    [again] = big.adapter.apply_order_actions([action])
    assert again.status is WriteStatus.SKIPPED


def test_a_merchant_hold_far_down_does_not_read_as_ours(big: Rig) -> None:
    order_id, _ = _long_split_order(big)
    data = big.store.data
    with data.lock:
        order = data.orders[parse_gid(order_id, "Order")[1]]  # type: ignore[index]
        data.hold(data.fulfillment_orders[order.fo_ids[-1]], "OTHER", "merchant-check", None)
    big.store.log.clear()
    order_read = _synced(big, order_id)
    assert not any(line.on_hold for line in order_read.lines)
    calls = [e.operation for e in big.store.log.entries()]
    # The 7th fulfillment order is read, but its further lines are not: no hold there is ours.
    assert calls.count("OrderFulfillmentOrders") == 1
    assert calls.count("FulfillmentOrderLines") == 0


def test_short_orders_cost_no_extra_fulfillment_calls() -> None:
    rig = make_rig(SMALL)
    try:
        order_id, order = next(
            (i, o)
            for i, o in rig.store.state()["orders"].items()
            if not o["cancelled"]
            and [fo["status"] for fo in o["fulfillment_orders"].values()] == ["OPEN"]
        )
        line = next(iter(order["lines"]))
        hold = OrderAction(
            "sandbox", OrderActionKind.HOLD_LINES, order_id, lines=((line, 1),), handle="short"
        )
        [result] = rig.adapter.apply_order_actions([hold])
        assert result.status is WriteStatus.DONE
        rig.store.log.clear()
        assert any(ln.on_hold for ln in _synced(rig, order_id).lines if ln.platform_id == line)
        calls = [e.operation for e in rig.store.log.entries()]
        assert "OrderFulfillment" in calls
        # Everything fitted on the first page: Shopify said no more, so nothing more was asked.
        assert "OrderFulfillmentOrders" not in calls
        assert "FulfillmentOrderLines" not in calls
    finally:
        rig.adapter.close()
        rig.store.stop()
