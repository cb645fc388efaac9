"""Credentials, scopes and webhooks against the sandbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from adapters.shopify import ShopifyAdapter
from connector.errors import AuthError, PlatformItemError
from connector.platform import Resource
from connector.sandbox.shopify import DEFAULT_SCOPES
from connector.settings import Secret
from tests.adapters.shopify.conftest import Rig, make_rig, settings_for


def test_client_credentials_token_is_renewed_before_it_expires_and_once_on_a_401(rig: Rig) -> None:
    settings = settings_for(
        rig.store,
        access_token=None,
        client_id=rig.store.client_id,
        client_secret=Secret(rig.store.app_secret),
    )
    shop = ShopifyAdapter(settings, clock=rig.clock, sleep=rig.sleep)
    assert shop.check().ok
    assert len(rig.store.issued_tokens) == 1
    rig.clock.advance(timedelta(hours=23, minutes=57))  # within five minutes of expiry
    assert shop.check().ok
    assert len(rig.store.issued_tokens) == 2
    rig.store.issued_tokens.clear()  # the shop revokes every token
    assert shop.check().ok
    assert len(rig.store.issued_tokens) == 1


def test_a_refused_static_token_is_an_auth_error_in_check(rig: Rig) -> None:
    shop = ShopifyAdapter(
        settings_for(rig.store, access_token=Secret("shpat_revoked")),
        clock=rig.clock,
        sleep=rig.sleep,
    )
    report = shop.check()
    assert not report.ok
    assert "refused the access token" in report.problems[0]
    with pytest.raises(AuthError):
        list(shop.read_changes(Resource.ORDERS, None))


def test_check_names_the_feature_each_missing_scope_turns_off() -> None:
    scopes = [
        s
        for s in DEFAULT_SCOPES
        if s
        not in (
            "write_merchant_managed_fulfillment_orders",
            "read_merchant_managed_fulfillment_orders",
            "write_discounts",
            "read_discounts",
        )
    ] + ["read_discounts"]
    rig = make_rig(None)
    rig.store.stop()
    from connector.sandbox.shopify import ShopifySandbox

    store = ShopifySandbox(None, clock=rig.clock, scopes=scopes).start()
    try:
        report = ShopifyAdapter(settings_for(store), clock=rig.clock, sleep=rig.sleep).check()
        assert not report.ok
        assert set(report.missing) == {
            "read_merchant_managed_fulfillment_orders",
            "write_merchant_managed_fulfillment_orders",
            "write_discounts",
        }
        assert (
            "scope write_merchant_managed_fulfillment_orders is missing: holding backordered lines so in-stock items ship now is off"
            in report.problems
        )
        assert report.details["domain"] == "sandbox-shop.myshopify.com"
    finally:
        store.stop()


class _Hooks(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hooks.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    _Hooks.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/shopify"
    server.shutdown()
    server.server_close()


def test_webhooks_are_registered_once_and_deliveries_become_targeted_rereads(
    rig: Rig, hook_url: str
) -> None:
    repaired = rig.adapter.ensure_webhooks(hook_url)
    assert sorted(repaired) == sorted(
        [
            "orders/create",
            "orders/updated",
            "orders/cancelled",
            "orders/edited",
            "refunds/create",
            "products/update",
            "inventory_levels/update",
            "app/uninstalled",
            "collections/update",
            "collections/delete",
        ]
    )
    assert rig.adapter.ensure_webhooks(hook_url) == []
    sku = next(
        v["sku"] for v in rig.store.state()["variants"].values() if v["policy"] == "CONTINUE"
    )
    order_id = rig.store.place_order("web@example.com", [(sku, 1)])
    rig.store.uninstall()
    rig.store.webhooks.wait_idle()
    events = [rig.adapter.parse_webhook(headers, body) for headers, body in _Hooks.received]
    by_topic = {e.topic: e for e in events}
    assert by_topic["orders/create"].target.order_ids == (order_id,)
    assert (
        by_topic["inventory_levels/update"]
        .target.product_ids[0]
        .startswith("gid://shopify/InventoryItem/")
    )
    assert by_topic["app/uninstalled"].target.uninstalled
    assert len({e.dedupe_key for e in events}) == len(events)


def test_an_inventory_webhook_target_fetches_the_variants_product(rig: Rig, hook_url: str) -> None:
    rig.adapter.ensure_webhooks(hook_url)
    gid, variant = next((g, v) for g, v in rig.store.state()["variants"].items() if v["tracked"])
    rig.store.receive_stock(variant["sku"], 7)
    rig.store.webhooks.wait_idle()
    headers, body = next(
        (h, b) for h, b in _Hooks.received if h["X-Shopify-Topic"] == "inventory_levels/update"
    )
    event = rig.adapter.parse_webhook(headers, body)
    page = rig.adapter.fetch(event.target)
    fetched = {v.platform_id: v for v in page.variants}
    assert fetched[gid].available == variant["available"] + 7


def test_a_forged_or_altered_delivery_is_refused(rig: Rig) -> None:
    headers = {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Webhook-Id": "w1",
        "X-Shopify-Hmac-Sha256": "AAAA",
    }
    with pytest.raises(AuthError):
        rig.adapter.parse_webhook(headers, b'{"id": 1}')


def test_check_reports_an_unreachable_shop_instead_of_crashing(rig: Rig) -> None:
    settings = settings_for(rig.store, url="http://127.0.0.1:9", max_retries=1)
    report = ShopifyAdapter(settings, clock=rig.clock, sleep=rig.sleep).check()
    assert not report.ok and report.problems


def test_a_refused_webhook_address_is_reported_in_shopifys_words(rig: Rig) -> None:
    with pytest.raises(PlatformItemError) as caught:
        rig.adapter.ensure_webhooks("ftp://127.0.0.1/webhooks/shopify")
    assert "Address is invalid" in str(caught.value)
    assert "orders/create" in str(caught.value)
