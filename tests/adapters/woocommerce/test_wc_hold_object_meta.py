"""A hold meta WooCommerce answers as a JSON object (another tool, or an older write, stored it as an
array) is released for real, not reported done while the hold stays."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.model import OrderAction, OrderActionKind, WriteStatus
from connector.platform import ResyncTarget
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SHOP = "woo"


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(clock=clock) as running:
        with running.lock:
            running.catalog.create(
                {"name": "Lamp", "sku": "LAMP", "regular_price": "10", "manage_stock": True}
                | {"stock_quantity": 0, "backorders": "notify"}
            )
        yield running


@pytest.fixture
def adapter(store: WooCommerceSandbox) -> Iterator[WooCommerceAdapter]:
    made = WooCommerceAdapter(settings_for(store, SHOP), clock=store.clock, sleep=lambda _s: None)
    yield made
    made.close()


def test_a_hold_stored_as_an_object_is_really_released(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    order_id = store.place_order("ann@example.com", [("LAMP", 1)])
    line = str(adapter.client.get(f"orders/{order_id}").body["line_items"][0]["id"])
    held: dict[str, Any] = {"bc-a": {"lines": {line: 1}, "reason": "INVENTORY_OUT_OF_STOCK"}}
    adapter.client.put(f"orders/{order_id}", {"meta_data": [{"key": "_bc_hold", "value": held}]})
    [order] = adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert [ln.on_hold for ln in order.lines] == [True]

    release = OrderAction(SHOP, OrderActionKind.RELEASE_HOLD, order_id, handle="bc-a")
    assert adapter.apply_order_actions([release])[0].status is WriteStatus.DONE
    [order] = adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert [ln.on_hold for ln in order.lines] == [False]
