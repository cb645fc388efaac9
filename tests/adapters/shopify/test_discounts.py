"""A thank-you discount code: the percent asked for (0 too), only ever for the order's customer."""

from __future__ import annotations

from decimal import Decimal

from connector.model import OrderAction, OrderActionKind, WriteStatus
from connector.sandbox.shopify.records import parse_gid
from tests.adapters.shopify.conftest import Rig
from tests.adapters.shopify.test_writes import _mixed_order


def _discount(order_id: str, code: str, percent: Decimal | None) -> OrderAction:
    return OrderAction(
        "sandbox",
        OrderActionKind.CREATE_DISCOUNT,
        order_id,
        discount_code=code,
        discount_percent=percent,
    )


def test_a_zero_percent_code_is_not_turned_into_ten(rig: Rig) -> None:
    order_id, _, _ = _mixed_order(rig)
    results = rig.adapter.apply_order_actions(
        [_discount(order_id, "ZERO-1", Decimal(0)), _discount(order_id, "DEFAULT-1", None)]
    )
    assert [r.status for r in results] == [WriteStatus.DONE, WriteStatus.DONE]
    codes = rig.store.state()["discount_codes"]
    assert codes["ZERO-1"]["percentage"] == 0.0
    assert codes["DEFAULT-1"]["percentage"] == 0.1


def test_no_code_anyone_could_use_for_an_order_without_a_customer(rig: Rig) -> None:
    order_id, _, _ = _mixed_order(rig)
    with rig.store.data.lock:
        rig.store.data.orders[parse_gid(order_id, "Order")[1]].customer_id = None  # type: ignore[index,assignment]
    [result] = rig.adapter.apply_order_actions([_discount(order_id, "ANYONE-1", Decimal(10))])
    assert result.status is WriteStatus.FAILED
    assert "no customer" in result.message
    assert "ANYONE-1" not in rig.store.state()["discount_codes"]
