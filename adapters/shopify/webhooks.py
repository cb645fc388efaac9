"""Webhooks: verify the HMAC over the raw bytes, de-duplicate on the event id, say what to re-read.

Shopify sends one event once per subscription (and again on retries), each delivery with its own
``X-Shopify-Webhook-Id`` but the same ``X-Shopify-Event-Id``: shopify.dev "Ignore duplicate
webhooks" names the event id as the key. It is taken per topic, so that an event id some day
shared by two topics cannot drop a re-read the other topic needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from adapters.common import header
from adapters.shopify.client import GraphQLClient
from connector.errors import AuthError, PayloadError, PlatformDetails, PlatformItemError
from connector.model import Platform
from connector.platform import ResyncTarget, WebhookEvent
from connector.signing import verify

__all__ = ["TOPICS", "parse_webhook", "register_webhooks"]

TOPICS: dict[str, str] = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/cancelled": "ORDERS_CANCELLED",
    "orders/edited": "ORDERS_EDITED",
    "refunds/create": "REFUNDS_CREATE",
    "products/update": "PRODUCTS_UPDATE",
    "inventory_levels/update": "INVENTORY_LEVELS_UPDATE",
    "app/uninstalled": "APP_UNINSTALLED",
    "collections/update": "COLLECTIONS_UPDATE",
    "collections/delete": "COLLECTIONS_DELETE",
}
"""The topics we subscribe to, by header name and by GraphQL enum."""


def _gid(kind: str, payload: Mapping[str, Any]) -> str:
    gid = payload.get("admin_graphql_api_id")
    if isinstance(gid, str) and gid:
        return gid
    number = payload.get("id")
    if isinstance(number, bool) or not isinstance(number, int | str) or not str(number).strip():
        raise PayloadError(f"{kind} webhook without an id")
    return f"gid://shopify/{kind}/{number}"


def _order_of(kind: str, payload: Any) -> ResyncTarget:
    """The order named by ``order_id`` in an order edit or a refund."""
    number = payload.get("order_id") if isinstance(payload, Mapping) else None
    if isinstance(number, bool) or not isinstance(number, int | str) or not str(number).strip():
        raise PayloadError(f"{kind} webhook names no order")
    return ResyncTarget(order_ids=(f"gid://shopify/Order/{number}",))


def _target(topic: str, payload: Mapping[str, Any]) -> ResyncTarget:
    if topic == "orders/edited":
        # The body is an order edit ({"order_edit": {..., "order_id": N}}), not an order.
        return _order_of("orders/edited", payload.get("order_edit"))
    if topic == "refunds/create":
        return _order_of("refunds/create", payload)
    if topic.startswith("orders/"):
        return ResyncTarget(order_ids=(_gid("Order", payload),))
    if topic.startswith("products/"):
        return ResyncTarget(product_ids=(_gid("Product", payload),))
    if topic == "inventory_levels/update":
        # The payload names the inventory item only; fetch() resolves it to its product.
        item = payload.get("inventory_item_id")
        return (
            ResyncTarget(product_ids=(f"gid://shopify/InventoryItem/{item}",))
            if item
            else ResyncTarget()
        )
    if topic == "app/uninstalled":
        return ResyncTarget(uninstalled=True)
    if topic.startswith("collections/"):
        # Products put in or taken out by hand move the collection, not the product: fetch()
        # reads the collection's members and the core re-reads the products that came or left.
        return ResyncTarget(product_ids=(_gid("Collection", payload),))
    return ResyncTarget()


def parse_webhook(
    shop: str, secret: str | None, headers: Mapping[str, str], body: bytes
) -> WebhookEvent:
    if not secret:
        raise AuthError("no client secret configured to verify Shopify webhooks")
    if not verify(secret, body, header(headers, "X-Shopify-Hmac-Sha256")):
        raise AuthError("webhook signature does not match")
    topic = header(headers, "X-Shopify-Topic") or ""
    event_id = header(headers, "X-Shopify-Event-Id")
    webhook_id = header(headers, "X-Shopify-Webhook-Id")
    if not topic or not (event_id or webhook_id):
        raise PayloadError("webhook without topic or id")
    dedupe = f"shopify-event:{topic}:{event_id}" if event_id else str(webhook_id)
    try:
        payload = json.loads(body)
    except ValueError:
        raise PayloadError("webhook body is not JSON") from None
    if not isinstance(payload, Mapping):
        raise PayloadError("webhook body is not an object")
    return WebhookEvent(Platform.SHOPIFY, shop, topic, dedupe, _target(topic, payload))


def register_webhooks(client: GraphQLClient, callback_url: str) -> list[str]:
    """Create the subscriptions missing for ``callback_url``; returns the topics repaired.

    Raises :class:`PlatformItemError` with Shopify's own words when it refused a subscription
    (the others are still created): polling goes on, and the owner learns why no webhooks arrive.
    """
    data = client.run("WebhookSubscriptions")
    have = {
        (str(n.get("topic")), str(n.get("uri")))
        for n in ((data.get("webhookSubscriptions") or {}).get("nodes")) or ()
    }
    repaired: list[str] = []
    refused: list[tuple[str, Mapping[str, Any]]] = []
    for topic, enum in TOPICS.items():
        if (enum, callback_url) in have:
            continue
        result = client.run("WebhookSubscriptionCreate", {"topic": enum, "uri": callback_url})
        errors = (result.get("webhookSubscriptionCreate") or {}).get("userErrors") or []
        if errors:
            refused.append((topic, errors[0]))
        else:
            repaired.append(topic)
    if refused:
        said = "; ".join(f"{topic}: {error.get('message')}" for topic, error in refused)
        done = f" (registered: {', '.join(repaired)})" if repaired else ""
        code = refused[0][1].get("code")
        raise PlatformItemError(
            f"Shopify refused webhooks for {callback_url}: {said}{done}",
            PlatformDetails("shopify", code=str(code) if code else None),
        )
    return repaired
