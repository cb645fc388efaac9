"""Odd answers from Shopify become typed errors or one failed action, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from adapters.shopify.auth import TokenProvider
from adapters.shopify.orders import OrderWriter
from adapters.shopify.webhooks import parse_webhook
from connector.clock import FrozenClock
from connector.errors import ConnectorError, PayloadError, RetryableError
from connector.model import OrderAction, OrderActionKind, Platform, WriteStatus
from connector.settings import Secret, ShopSettings
from connector.signing import sign
from tests.adapters.shopify.test_hold_split import Recorder

SHOP = ShopSettings(
    name="odd",
    platform=Platform.SHOPIFY,
    url="http://127.0.0.1:9",
    client_id="id",
    client_secret=Secret("secret"),
)
CLOCK = FrozenClock(datetime(2026, 11, 20, tzinfo=UTC))


@pytest.mark.parametrize(
    "answer", [["shpat_x"], "shpat_x", {"access_token": "shpat_x", "expires_in": None}]
)
@responses.activate
def test_an_odd_token_answer_is_a_retryable_error(answer: Any) -> None:
    responses.post("http://127.0.0.1:9/admin/oauth/access_token", json=answer)
    provider = TokenProvider(SHOP, requests.Session(), CLOCK, 1.0)
    with pytest.raises(RetryableError):
        provider.token()


@pytest.mark.parametrize("topic", ["orders/updated", "products/update"])
def test_a_webhook_without_an_id_is_a_payload_error(topic: str) -> None:
    body = json.dumps({"title": "no id here"}).encode()
    headers = {
        "X-Shopify-Hmac-Sha256": sign("s", body),
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": "w1",
    }
    with pytest.raises(PayloadError):
        parse_webhook("odd", "s", headers, body)


def test_a_fulfillment_line_without_id_fails_only_that_hold() -> None:
    order_id = "gid://shopify/Order/1"
    order = {
        "id": order_id,
        "fulfillmentOrders": {
            "nodes": [
                {
                    "id": "gid://shopify/FulfillmentOrder/1",
                    "status": "OPEN",
                    "fulfillmentHolds": [],
                    "lineItems": {
                        "nodes": [
                            {"remainingQuantity": 2, "lineItem": {"id": "gid://shopify/LineItem/1"}}
                        ]
                    },
                }
            ]
        },
        "tags": [],
    }
    client = Recorder(order)
    writer = OrderWriter(client, CLOCK)  # type: ignore[arg-type]
    hold = OrderAction(
        "odd", OrderActionKind.HOLD_LINES, order_id, lines=(("gid://shopify/LineItem/1", 1),)
    )
    try:
        [result] = writer.apply([hold])
    except (KeyError, ConnectorError) as error:  # pragma: no cover - the bug this guards
        pytest.fail(f"one odd line stopped every action: {error!r}")
    assert result.status is WriteStatus.FAILED and "without id" in result.message
    assert client.holds == []
