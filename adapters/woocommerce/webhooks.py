"""WooCommerce webhooks: verify and interpret a delivery, keep our subscriptions registered.

Deliveries are triggers, not truth: WooCommerce builds the payload when the queue runs, merges
several updates into one and never retries, so the adapter only learns *what* to re-read.

A duplicate is the same delivery again: the same bytes from the same webhook. Neither
``X-WC-Webhook-Delivery-ID`` (a hash of webhook id and second: different deliveries share it) nor
the resource's ``date_modified_gmt`` (meta-only order updates leave it, two stock changes in one
second share it) tells two deliveries apart, so the key is the webhook id, the delivery id and a
digest of the raw body: different bytes are always re-read, and the delivery id only keeps the same
bytes sent at another second (a change undone, say) from counting as a repeat.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from adapters.common import header
from adapters.woocommerce.client import PER_PAGE, WooClient
from connector.errors import AuthError, PayloadError
from connector.model import Platform
from connector.platform import ResyncTarget, WebhookEvent
from connector.signing import verify

__all__ = ["TOPICS", "ensure", "parse"]

TOPICS = ("order.created", "order.updated", "product.updated", "product.deleted")


def parse(shop: str, secret: str | None, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """Verify ``body`` (the raw bytes) and say what to re-read."""
    signature = header(headers, "X-WC-Webhook-Signature")
    if signature is None and body.startswith(b"webhook_id="):
        # The unsigned form POST WooCommerce sends when a webhook is created.
        hook_id = body.decode("ascii", "replace").partition("=")[2].strip()
        return WebhookEvent(
            Platform.WOOCOMMERCE, shop, "ping", f"ping:{hook_id}", ResyncTarget(), ping=True
        )
    if not secret:
        raise AuthError(f"{shop}: no webhook_secret configured to verify WooCommerce deliveries")
    if not verify(secret, body, signature):
        raise AuthError(f"{shop}: WooCommerce webhook signature does not match")
    try:
        payload: Any = json.loads(body)
    except ValueError as error:
        raise PayloadError(f"{shop}: webhook body is not JSON") from error
    if not isinstance(payload, dict) or "id" not in payload:
        raise PayloadError(f"{shop}: webhook body has no resource id")
    topic = header(headers, "X-WC-Webhook-Topic") or ""
    hook_id = header(headers, "X-WC-Webhook-ID") or "?"
    resource_id = str(payload["id"])
    delivery = header(headers, "X-WC-Webhook-Delivery-ID") or ""
    digest = hashlib.sha256(body).hexdigest()
    if topic.startswith("order."):
        target = ResyncTarget(order_ids=(resource_id,))
    elif topic.startswith("product."):
        parent = payload.get("parent_id")
        owner = str(parent) if isinstance(parent, int) and parent else resource_id
        target = ResyncTarget(product_ids=(owner,))
    else:
        target = ResyncTarget()
    return WebhookEvent(Platform.WOOCOMMERCE, shop, topic, f"{hook_id}:{delivery}:{digest}", target)


def ensure(client: WooClient, callback_url: str, secret: str) -> list[str]:
    """Create missing subscriptions and re-enable disabled ones; returns what was repaired."""
    hooks = client.get("webhooks", {"per_page": PER_PAGE}).body
    mine: dict[str, Mapping[str, Any]] = {}
    for hook in hooks if isinstance(hooks, list) else []:
        ours = hook.get("delivery_url") == callback_url and hook.get("topic") in TOPICS
        if ours and (hook.get("status") == "active" or hook["topic"] not in mine):
            mine[hook["topic"]] = hook
    repaired = []
    for topic in TOPICS:
        hook = mine.get(topic)
        if hook is None:
            client.post(
                "webhooks",
                {
                    "name": f"backorder-connector {topic}",
                    "topic": topic,
                    "delivery_url": callback_url,
                    "secret": secret,
                    "status": "active",
                },
            )
            repaired.append(f"created {topic}")
        elif hook.get("status") != "active":
            # The secret is write-only: set ours again while re-enabling.
            client.put(f"webhooks/{hook['id']}", {"status": "active", "secret": secret})
            repaired.append(f"re-enabled {topic} (webhook {hook['id']})")
    return repaired
