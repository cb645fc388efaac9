"""Webhook deliveries as Shopify makes them: REST-shaped JSON, real headers, HMAC, retries.

The payload is built when the event happens (so a retry carries the original, possibly stale,
payload), signed with :func:`connector.signing.sign` over the exact bytes sent, and retried on a
non-2xx answer or a network error up to ``len(retry_delays)`` times.

A delivery counts as settled only once its POST has come back 2xx or its last retry has failed;
:meth:`WebhookSender.wait_idle` waits for that, so a test never reads the receiver's log while a
POST is still on the wire.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from connector.sandbox.shopify.records import SRefund, gid, iso
from connector.sandbox.shopify.store import ShopData
from connector.signing import sign

__all__ = ["Delivery", "WebhookSender", "topic_name"]

SHOPIFY_RETRIES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
"""Eight retries, spaced out; Shopify spreads them over four hours, the sandbox over seconds."""


def topic_name(enum_value: str) -> str:
    """``ORDERS_CREATE`` -> ``orders/create``; ``INVENTORY_LEVELS_UPDATE`` -> ``inventory_levels/update``."""
    head, _, tail = enum_value.lower().rpartition("_")
    return f"{head}/{tail}"


@dataclass
class Delivery:
    topic: str
    uri: str
    body: bytes
    webhook_id: str
    event_id: str
    triggered_at: str
    attempts: int = 0
    statuses: list[int | str] = field(default_factory=list)
    settled: bool = False
    """True once a POST came back 2xx or the last retry failed: nothing more will be sent."""

    def describe(self) -> str:
        tried = ", ".join(str(s) for s in self.statuses) or "not sent yet"
        return f"{self.topic} -> {self.uri} (attempts {self.attempts}: {tried})"


def _order_payload(data: ShopData, number: int) -> dict[str, Any]:
    order = data.orders[number]
    customer = data.customers.get(order.customer_id)
    return {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": f"#{order.number}",
        "email": order.email,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "cancelled_at": iso(order.cancelled_at),
        "financial_status": order.financial.lower(),
        "test": order.test,
        "customer_locale": order.locale,
        "tags": ", ".join(order.tags),
        "note": order.note,
        "customer": None
        if customer is None
        else {
            "id": customer.id,
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "admin_graphql_api_id": gid("Customer", customer.id),
        },
        "line_items": [
            {
                "id": line.id,
                "admin_graphql_api_id": gid("LineItem", line.id),
                "variant_id": line.variant_id,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.current,
                "price": line.price,
                "fulfillable_quantity": max(0, line.current - line.fulfilled),
            }
            for line in (data.lines[i] for i in order.line_ids)
        ],
        "refunds": [refund_payload(data, refund) for refund in order.refunds or ()],
    }


def refund_payload(data: ShopData, refund: SRefund) -> dict[str, Any]:
    """A refund as REST shapes it (refunds/create, and each entry of an order's ``refunds``):
    its line items with their subtotals, and a transaction for the money that moved (none when
    it only restocked)."""
    money = Decimal(refund.amount)
    return {
        "id": refund.id,
        "admin_graphql_api_id": gid("Refund", refund.id),
        "order_id": refund.order_id,
        "created_at": iso(refund.created_at),
        "processed_at": iso(refund.created_at),
        "note": None,
        "restock": True,
        "refund_line_items": [
            {
                "id": refund.id * 1000 + index,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": "cancel",
                "location_id": 1,
                "subtotal": subtotal,
                "subtotal_set": _money_set(subtotal),
                "total_tax": "0.00",
                "total_tax_set": _money_set("0.00"),
            }
            for index, (line_id, quantity, subtotal) in enumerate(refund.lines)
        ],
        "transactions": []
        if money == 0
        else [
            {
                "id": refund.id,
                "order_id": refund.order_id,
                "kind": "refund",
                "status": "success",
                "amount": refund.amount,
                "currency": "USD",
            }
        ],
    }


def _money_set(amount: str) -> dict[str, Any]:
    money = {"amount": amount, "currency_code": "USD"}
    return {"shop_money": money, "presentment_money": dict(money)}


def build_payload(data: ShopData, topic: str, ref: dict[str, Any]) -> dict[str, Any] | None:
    if "payload" in ref:  # built by the store when it happened (collections/update, /delete)
        return dict(ref["payload"])
    if "order_edit" in ref:
        delta = int(ref["delta"])
        change = {"id": ref["line"], "delta": abs(delta)}
        return {
            "order_edit": {
                "id": data.next_id(),
                "app_id": None,
                "created_at": iso(data.clock()),
                "notify_customer": False,
                "order_id": ref["order_edit"],
                "staff_note": "",
                "user_id": None,
                "line_items": {
                    "additions": [change] if delta > 0 else [],
                    "removals": [change] if delta < 0 else [],
                },
                "discounts": {"additions": [], "removals": []},
                "shipping_lines": {"additions": [], "removals": []},
            }
        }
    if "refund" in ref:
        order = data.orders[ref["refund_order"]]
        refund = next(r for r in order.refunds or () if r.id == ref["refund"])
        return refund_payload(data, refund)
    if "order" in ref:
        return _order_payload(data, ref["order"])
    if "product" in ref:
        product = data.products[ref["product"]]
        return {
            "id": product.id,
            "admin_graphql_api_id": gid("Product", product.id),
            "title": product.title,
            "tags": ", ".join(product.tags),
            "updated_at": iso(product.updated_at),
            "variants": [
                {
                    "id": v.id,
                    "sku": v.sku,
                    "inventory_policy": v.policy.lower(),
                    "inventory_quantity": v.available,
                    "admin_graphql_api_id": gid("ProductVariant", v.id),
                }
                for v in (data.variants[i] for i in product.variant_ids)
            ],
        }
    if "variant" in ref:
        variant = data.variants[ref["variant"]]
        return {
            "inventory_item_id": variant.id,
            "location_id": 1,
            "available": variant.available,
            "updated_at": iso(variant.updated_at),
            "admin_graphql_api_id": f"gid://shopify/InventoryLevel/1?inventory_item_id={variant.id}",
        }
    if "bulk" in ref:
        return {
            "admin_graphql_api_id": gid("BulkOperation", ref["bulk"]),
            "completed_at": iso(data.clock()),
            "status": "completed",
            "type": "query",
        }
    if topic == "app/uninstalled":
        return {"id": 1, "name": "Sandbox Shop", "domain": ref.get("domain", "")}
    return None


class WebhookSender:
    """Queues events for the shop's subscriptions and delivers them from one background thread."""

    def __init__(
        self,
        data: ShopData,
        secret: str,
        domain: str,
        api_version: str,
        retry_delays: Sequence[float] = SHOPIFY_RETRIES,
    ) -> None:
        self.data = data
        self.secret = secret
        self.domain = domain
        self.api_version = api_version
        self.retry_delays = tuple(retry_delays)
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._session = requests.Session()
        self._timers: list[threading.Timer] = []
        # Deliveries queued, on the wire or waiting for a retry; wait_idle sleeps on this.
        self._settling = threading.Condition()
        self._unsettled = 0
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def event(self, topic: str, ref: dict[str, Any]) -> None:
        """Called by the store (under its lock) when something happened."""
        hooks = [w for w in self.data.webhooks.values() if topic_name(w.topic) == topic]
        if not hooks:
            return
        payload = build_payload(self.data, topic, ref)
        if payload is None:
            return
        body = json.dumps(payload).encode()
        event_id = str(uuid.uuid4())
        for hook in hooks:
            delivery = Delivery(
                topic, hook.uri, body, str(uuid.uuid4()), event_id, iso(self.data.clock()) or ""
            )
            with self._settling:
                self._unsettled += 1
                self.deliveries.append(delivery)
            self._queue.put(delivery)

    def headers(self, delivery: Delivery) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": sign(self.secret, delivery.body),
            "X-Shopify-Shop-Domain": self.domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }

    def _work(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            delivery.attempts += 1
            try:
                answer = self._session.post(
                    delivery.uri, data=delivery.body, headers=self.headers(delivery), timeout=5
                )
                delivery.statuses.append(answer.status_code)
                ok = 200 <= answer.status_code < 300
            except requests.RequestException as error:
                delivery.statuses.append(type(error).__name__)
                ok = False
            if not ok and delivery.attempts <= len(self.retry_delays):
                timer = threading.Timer(
                    self.retry_delays[delivery.attempts - 1], self._queue.put, args=(delivery,)
                )
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
            else:
                self._settle(delivery)

    def _settle(self, delivery: Delivery) -> None:
        with self._settling:
            delivery.settled = True
            self._unsettled -= 1
            self._settling.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until every delivery queued so far is settled (delivered, or its retries spent).

        Raises :class:`TimeoutError` naming the deliveries still pending after ``timeout``
        seconds, instead of returning as if they had arrived.
        """
        deadline = time.monotonic() + timeout
        with self._settling:
            while self._unsettled:
                left = deadline - time.monotonic()
                if left <= 0:
                    pending = [d.describe() for d in self.deliveries if not d.settled]
                    raise TimeoutError(
                        f"{len(pending)} webhook deliveries still pending after {timeout} s: "
                        + "; ".join(pending)
                    )
                self._settling.wait(left)

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._queue.put(None)
        self._thread.join(timeout=2)
        self._session.close()
