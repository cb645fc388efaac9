"""wait_idle waits for deliveries to land (or give up), and says which ones never did."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL

SUBSCRIBE = (
    "mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE, "
    "webhookSubscription: {uri: $uri}) { userErrors { message } } }"
)


class _Gated(BaseHTTPRequestHandler):
    """Holds every POST until the gate opens, then answers ``status``; records it only then."""

    gate: ClassVar[threading.Event] = threading.Event()
    status: ClassVar[int] = 200
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).gate.wait(10)
        type(self).received.append(body)
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gated() -> Iterator[str]:
    _Gated.gate = threading.Event()
    _Gated.status = 200
    _Gated.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gated)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hooks"
    _Gated.gate.set()
    server.shutdown()
    server.server_close()


def _order(store: ShopifySandbox, gql: GraphQL, uri: str) -> str:
    assert gql(SUBSCRIBE, {"uri": uri})["data"]["webhookSubscriptionCreate"]["userErrors"] == []
    sku = next(v["sku"] for v in store.state()["variants"].values() if v["policy"] == "CONTINUE")
    return store.place_order("gate@example.com", [(sku, 1)])


def test_a_delivery_still_on_the_wire_is_pending_and_named_on_timeout(
    store: ShopifySandbox, gql: GraphQL, gated: str
) -> None:
    _order(store, gql, gated)
    with pytest.raises(TimeoutError) as raised:
        store.webhooks.wait_idle(timeout=0.3)
    assert "1 webhook deliveries still pending" in str(raised.value)
    assert f"orders/create -> {gated}" in str(raised.value)
    assert _Gated.received == []
    _Gated.gate.set()
    store.webhooks.wait_idle()
    assert len(_Gated.received) == 1  # returned only once the receiver had it


def test_a_delivery_that_keeps_failing_settles_when_its_retries_are_spent(
    store: ShopifySandbox, gql: GraphQL, gated: str
) -> None:
    _Gated.status = 500
    _Gated.gate.set()
    _order(store, gql, gated)
    store.webhooks.wait_idle()
    (delivery,) = store.webhooks.deliveries
    assert delivery.settled
    assert delivery.statuses == [500, 500, 500, 500]  # the first try and the three retries
    assert len(_Gated.received) == 4


def test_nothing_queued_is_idle_at_once(store: ShopifySandbox) -> None:
    store.webhooks.wait_idle(timeout=0)
