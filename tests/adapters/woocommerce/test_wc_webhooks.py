"""Real WooCommerce deliveries verify, pings are answered, forgeries are refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.errors import AuthError
from connector.settings import Secret
from tests.adapters.woocommerce.test_wc_client import settings
from tests.adapters.woocommerce.wc_fixtures import webhook_deliveries


def adapter(secret: str = "held-secret-123") -> WooCommerceAdapter:
    return WooCommerceAdapter(
        replace(settings(), webhook_secret=Secret(secret)), sleep=lambda _s: None
    )


def test_every_real_delivery_verifies_and_names_what_to_reread() -> None:
    woo = adapter()
    keys = set()
    count = 0
    for name, headers, body in webhook_deliveries():
        event = woo.parse_webhook(headers, body)
        count += 1
        if name.endswith("ping"):
            assert event.ping and event.target.is_empty
            continue
        assert not event.ping
        assert event.topic == headers["X-WC-Webhook-Topic"]
        if event.topic.startswith("order."):
            assert event.target.order_ids
        else:
            assert event.target.product_ids
        keys.add(event.dedupe_key)
    assert count >= 39
    assert len(keys) > 20  # distinct events keep distinct keys


def test_a_redelivery_of_the_same_state_has_the_same_key() -> None:
    woo = adapter()
    deliveries = {name: (h, b) for name, h, b in webhook_deliveries()}
    first = woo.parse_webhook(*deliveries["024_order.updated"])
    again = woo.parse_webhook(*deliveries["024_order.updated"])
    assert first.dedupe_key == again.dedupe_key


def test_a_wrong_secret_or_altered_body_is_refused() -> None:
    deliveries = list(webhook_deliveries())
    _name, headers, body = next(d for d in deliveries if d[0].endswith("order.created"))
    with pytest.raises(AuthError):
        adapter("another-secret").parse_webhook(headers, body)
    with pytest.raises(AuthError):
        adapter().parse_webhook(headers, body.replace(b'"processing"', b'"completed"'))
    unsigned = {k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"}
    with pytest.raises(AuthError):
        adapter().parse_webhook(unsigned, body)
