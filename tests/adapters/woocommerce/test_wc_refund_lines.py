"""Cancelling waiting units on the WooCommerce sandbox over real HTTP: one refund naming the lines,
the money returned by the gateway when it can, else recorded for the owner; once per key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.errors import PlatformRetryable
from connector.model_cancel import LineCancel, RefundKind
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SPEC = SeedSpec(seed=9, products=6, variants_per_product=(1, 1), orders=0)


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(SPEC, clock=clock) as running:
        running.advance_clock(timedelta(seconds=5))
        yield running


@pytest.fixture
def adapter(store: WooCommerceSandbox) -> Iterator[WooCommerceAdapter]:
    made = WooCommerceAdapter(settings_for(store), clock=store.clock, sleep=lambda _s: None)
    yield made
    made.close()


def _order(
    store: WooCommerceSandbox, gateway: str = "stripe", paid: bool = True
) -> tuple[str, str, Decimal]:
    """An order of 3 units of a managed SKU: (order id, line id, unit price)."""
    item = next(i for i in store.catalog.items.values() if i.sku and i.manage_stock)
    order_id = store.place_order("ann@example.com", [(item.sku, 3)], checkout=False)
    with store.lock:
        order = store.orders.get(int(order_id))
        order.payment_method = gateway
        if not paid:
            order.paid = None
        line = order.lines[0]
        return order_id, str(line.id), Decimal(str(line.price))


def _stock(store: WooCommerceSandbox, order_id: str) -> int | None:
    with store.lock:
        line = store.orders.get(int(order_id)).lines[0]
        item = store.catalog.items[line.variation_id or line.product_id]
        return store.catalog.stock_owner(item).stock


def test_a_gateway_that_refunds_returns_the_money_once_per_key(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    order_id, line_id, price = _order(store)
    before = _stock(store, order_id)
    request = LineCancel(order_id, ((line_id, 2),), "bc-cancel-k1", "customer cancelled")
    first = adapter.cancel_lines(request)
    again = adapter.cancel_lines(request)  # an answer lost, the same key sent again
    assert first.refund == RefundKind.PAID and first.amount == price * 2 and not first.replayed
    assert again.replayed and again.refund_id == first.refund_id and again.amount == first.amount
    with store.lock:
        [refund] = store.orders.get(int(order_id)).refunds or []
        assert refund.refunded_payment and [(str(ln.id), q) for _, ln, q, _ in refund.items] == [
            (line_id, 2)
        ]
        assert "bc-cancel-k1" in refund.reason
    assert _stock(store, order_id) == (before or 0) + 2  # restocked for the next in line


def test_bank_transfer_cancels_the_units_and_leaves_the_money_to_the_owner(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    order_id, line_id, price = _order(store, gateway="bacs")
    # The store itself: api_refund on a gateway without refunds fails whole, and keeps nothing.
    path = f"orders/{order_id}/refunds"
    body = {"amount": f"{price:.2f}", "line_items": [{"id": int(line_id), "quantity": 1}]}
    with pytest.raises(PlatformRetryable) as refused:
        adapter.client.once("POST", path, body=body)
    assert refused.value.details.status == 500
    assert refused.value.details.code == "woocommerce_rest_cannot_create_order_refund"
    assert adapter.client.get(path).body == []

    outcome = adapter.cancel_lines(LineCancel(order_id, ((line_id, 1),), "bc-cancel-k2", "x"))
    assert outcome.refund == RefundKind.MANUAL and outcome.owed == price and outcome.amount == 0
    [refund] = adapter.client.get(path).body
    assert refund["amount"] == "0.00" and refund["refunded_payment"] is False
    assert refund["line_items"][0]["quantity"] == -1


def test_an_unpaid_order_refunds_no_money(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    order_id, line_id, _ = _order(store, paid=False)
    outcome = adapter.cancel_lines(LineCancel(order_id, ((line_id, 3),), "bc-cancel-k3", "x"))
    assert outcome.refund == RefundKind.NONE and outcome.amount == 0 and outcome.owed == 0
