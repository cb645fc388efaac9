"""Same-second facts of a real WooCommerce 7.9 store the sandbox reproduces (PLATFORMS.md).

* Webhook deliveries for different changes can share both ``X-WC-Webhook-Delivery-ID`` (a hash of
  webhook id and second) and the resource's ``date_modified_gmt`` (meta-only order updates; two
  stock changes in one second): only identical bytes are a redelivery.
* Responses carry the web server's ``Date``, the store's own clock: what ``date_modified`` is
  measured against (captures: every ``real/*.json`` has one).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from woocommerce import API

from connector.clock import FrozenClock
from connector.sandbox.woocommerce import WooCommerceSandbox


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
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(clock=clock) as running:
        yield running


@pytest.fixture
def api(store: WooCommerceSandbox) -> API:
    creds = store.credentials()
    return API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")


def test_the_date_header_is_the_stores_clock(store: WooCommerceSandbox, api: API) -> None:
    store.advance_clock(timedelta(days=3, seconds=7))
    answer = api.get("products")
    assert parsedate_to_datetime(answer.headers["Date"]) == store.clock().replace(microsecond=0)


def test_different_deliveries_share_delivery_id_and_modified_date(
    store: WooCommerceSandbox, api: API, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    for topic in ("order.updated", "product.updated"):
        api.post("webhooks", {"topic": topic, "delivery_url": url, "secret": "s"})
    product = api.post(
        "products", {"name": "Lamp", "sku": "LAMP", "manage_stock": True, "stock_quantity": 2}
    ).json()
    placed = api.post(
        "orders",
        {
            "status": "processing",
            "billing": {"email": "a@example.com"},
            "line_items": [{"product_id": product["id"], "quantity": 1}],
        },
    ).json()
    store.deliver_webhooks()
    # Meta-only order update: a new delivery, the order's date_modified does not move.
    api.put(f"orders/{placed['id']}", {"meta_data": [{"key": "gift_wrap", "value": "yes"}]})
    store.deliver_webhooks()
    # Two stock changes in one second: two deliveries, one date_modified.
    store.receive_stock("LAMP", 3)
    store.deliver_webhooks()
    store.receive_stock("LAMP", 4)
    store.deliver_webhooks()
    orders = [
        (h, json.loads(b)) for h, b in handler.received if h.get("X-WC-Webhook-Resource") == "order"
    ]
    stock = [(h, json.loads(b)) for h, b in handler.received[-2:]]
    for pair in (orders[-2:], stock):
        (one, before), (other, after) = pair
        assert before != after
        assert one["X-WC-Webhook-Delivery-ID"] == other["X-WC-Webhook-Delivery-ID"]
        assert before["date_modified_gmt"] == after["date_modified_gmt"]
    assert [body["stock_quantity"] for _h, body in stock] == [4, 8]
