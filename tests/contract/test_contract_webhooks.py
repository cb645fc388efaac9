"""Webhooks, for every adapter: verified on the raw bytes, de-duplicated, turned into re-reads."""

from __future__ import annotations

import pytest

from connector.errors import AuthError
from connector.platform import Resource
from tests.contract.harness import Harness


def an_order(harness: Harness) -> str:
    for page in harness.adapter.read_changes(Resource.ORDERS, None):
        for order in page.orders:
            return order.platform_id
    raise AssertionError("the harness store has no orders")


def test_a_signed_delivery_names_the_order_to_reread(harness: Harness) -> None:
    order_id = an_order(harness)
    headers, body = harness.webhook_for_order(order_id)
    event = harness.adapter.parse_webhook(headers, body)
    assert event.platform is harness.settings.platform
    assert event.shop == harness.settings.name
    assert order_id in event.target.order_ids
    page = harness.adapter.fetch(event.target)
    assert order_id in {o.platform_id for o in page.orders}


def test_the_same_delivery_twice_has_the_same_dedupe_key(harness: Harness) -> None:
    headers, body = harness.webhook_for_order(an_order(harness))
    first = harness.adapter.parse_webhook(headers, body)
    again = harness.adapter.parse_webhook(dict(headers), bytes(body))
    assert first.dedupe_key and first.dedupe_key == again.dedupe_key


def test_a_forged_signature_is_refused(harness: Harness) -> None:
    headers, body = harness.webhook_for_order(an_order(harness))
    forged_headers, forged_body = harness.forge(headers, body)
    with pytest.raises(AuthError):
        harness.adapter.parse_webhook(forged_headers, forged_body)


def test_a_body_changed_after_signing_is_refused(harness: Harness) -> None:
    headers, body = harness.webhook_for_order(an_order(harness))
    altered = body.replace(b"}", b" }", 1)  # same JSON, different bytes: the signature is on bytes
    with pytest.raises(AuthError):
        harness.adapter.parse_webhook(headers, altered)


def test_header_names_are_matched_whatever_their_case(harness: Harness) -> None:
    # Web servers hand headers over lower-cased (WSGI, ASGI); the signature must still verify.
    order_id = an_order(harness)
    headers, body = harness.webhook_for_order(order_id)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert order_id in harness.adapter.parse_webhook(lowered, body).target.order_ids
