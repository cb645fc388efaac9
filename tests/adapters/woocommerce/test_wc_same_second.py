"""Nothing missed within one second: webhook de-duplication and polling ties.

A real store stamps ``date_modified_gmt`` to the second, leaves it alone on meta-only order updates,
and signs different deliveries with one ``X-WC-Webhook-Delivery-ID`` (PLATFORMS.md, "Seen on a real
WooCommerce 7.9 store"). Only the same bytes again are a redelivery; a row read during the second it
was modified in may still change within that second, so it is compared again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.model import Order, Variant
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SPEC = SeedSpec(seed=9, products=12, variants_per_product=(1, 3), orders=8)


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(SPEC, clock=clock) as running:
        yield running


@pytest.fixture
def adapter(store: WooCommerceSandbox) -> Iterator[WooCommerceAdapter]:
    made = WooCommerceAdapter(settings_for(store), clock=store.clock, sleep=lambda _s: None)
    yield made
    made.close()


@pytest.fixture
def inbox(adapter: WooCommerceAdapter) -> Iterator[list[tuple[dict[str, str], bytes]]]:
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    adapter.ensure_webhooks(f"http://127.0.0.1:{server.server_port}/hook")
    handler.received.clear()  # the unsigned creation pings
    yield handler.received
    server.shutdown()
    server.server_close()


class Poller:
    """Cycles of the adapter with saved cursors, as the daemon runs them."""

    def __init__(self, adapter: WooCommerceAdapter) -> None:
        self.adapter = adapter
        self.cursors: dict[Resource, str | None] = {}

    def cycle(self) -> tuple[dict[str, Variant], dict[str, Order]]:
        variants: dict[str, Variant] = {}
        orders: dict[str, Order] = {}
        for resource in (Resource.PRODUCTS, Resource.ORDERS):
            for page in self.adapter.read_changes(resource, self.cursors.get(resource)):
                variants.update((v.sku, v) for v in page.variants)
                orders.update((o.platform_id, o) for o in page.orders)
                if page.cursor is not None:
                    self.cursors[resource] = page.cursor
        return variants, orders


def tracked(variants: dict[str, Variant], simple: bool) -> Variant:
    return next(
        v
        for v in variants.values()
        if v.tracked and v.available is not None and (v.platform_id == v.product_id) == simple
    )


# --- webhooks -------------------------------------------------------------------------------


def test_a_meta_only_order_update_in_the_same_second_is_not_a_duplicate(
    store: WooCommerceSandbox,
    adapter: WooCommerceAdapter,
    inbox: list[tuple[dict[str, str], bytes]],
) -> None:
    order_id = next(iter(Poller(adapter).cycle()[1]))
    store.set_order_status(order_id, "on-hold")
    store.deliver_webhooks()
    with store.lock:
        store.orders.update(
            store.orders.get(int(order_id)), {"meta_data": [{"key": "gift", "value": "1"}]}
        )
    store.deliver_webhooks()
    first, second = (adapter.parse_webhook(h, b) for h, b in inbox[-2:])
    assert first.target.order_ids == second.target.order_ids == (order_id,)
    assert first.dedupe_key != second.dedupe_key
    again = adapter.parse_webhook(*inbox[-1])
    assert again.dedupe_key == second.dedupe_key  # the same bytes again: a redelivery


def test_two_stock_changes_in_one_second_are_two_deliveries(
    store: WooCommerceSandbox,
    adapter: WooCommerceAdapter,
    inbox: list[tuple[dict[str, str], bytes]],
) -> None:
    sku = tracked(Poller(adapter).cycle()[0], simple=True).sku
    store.receive_stock(sku, 1)
    store.deliver_webhooks()
    store.receive_stock(sku, 1)
    store.deliver_webhooks()
    keys = {adapter.parse_webhook(h, b).dedupe_key for h, b in inbox[-2:]}
    assert len(keys) == 2


# --- polling --------------------------------------------------------------------------------


def test_a_simple_product_changed_again_within_the_second_it_was_read_is_read_again(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    poller = Poller(adapter)
    product = tracked(poller.cycle()[0], simple=True)
    store.advance_clock(timedelta(minutes=2))
    store.receive_stock(product.sku, 2)
    assert poller.cycle()[0][product.sku].available == product.available + 2
    store.receive_stock(product.sku, 3)  # the same second: date_modified does not move
    store.advance_clock(timedelta(minutes=2))
    assert poller.cycle()[0][product.sku].available == product.available + 5


def test_a_variation_changed_again_within_the_second_it_was_read_is_read_again(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    poller = Poller(adapter)
    variation = tracked(poller.cycle()[0], simple=False)
    store.advance_clock(timedelta(minutes=2))
    store.receive_stock(variation.sku, 2)
    assert poller.cycle()[0][variation.sku].available == variation.available + 2
    store.receive_stock(variation.sku, 3)
    store.advance_clock(timedelta(minutes=2))
    assert poller.cycle()[0][variation.sku].available == variation.available + 5


def test_an_order_changed_again_within_the_second_it_was_read_is_read_again(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    poller = Poller(adapter)
    order_id = next(iter(poller.cycle()[1]))
    store.advance_clock(timedelta(minutes=2))
    store.set_order_status(order_id, "on-hold")
    poller.cycle()
    store.cancel_order(order_id)
    store.advance_clock(timedelta(minutes=2))
    assert poller.cycle()[1][order_id].status.value == "cancelled"


def test_rows_read_once_their_second_has_passed_are_not_read_again(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    poller = Poller(adapter)
    product = tracked(poller.cycle()[0], simple=False)
    store.advance_clock(timedelta(minutes=2))
    store.receive_stock(product.sku, 2)
    store.advance_clock(timedelta(seconds=5))
    assert product.sku in poller.cycle()[0]
    store.advance_clock(timedelta(minutes=2))
    store.log.clear()
    assert poller.cycle() == ({}, {})
    assert [e.operation for e in store.log.entries()] == ["GET products", "GET orders"]
