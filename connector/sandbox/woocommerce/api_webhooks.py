"""Webhook routes: ``/webhooks`` and ``/webhooks/{id}`` (topics, secret, status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.sandbox.woocommerce.api_common import Request, Response, list_answer
from connector.sandbox.woocommerce.catalog import WooError, invalid_param
from connector.sandbox.woocommerce.payloads import webhook_json
from connector.sandbox.woocommerce.records import Webhook

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["TOPICS", "WebhookRoutes"]

TOPICS = (
    "order.created",
    "order.updated",
    "order.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
)


class WebhookRoutes:
    """Webhooks as stored by WooCommerce: creation sends the unsigned ping, the secret is write-only."""

    def __init__(self, store: WooCommerceSandbox) -> None:
        self.store = store

    @property
    def base(self) -> str:
        return self.store.base_url

    # --- webhooks ------------------------------------------------------------------------------
    def webhooks(self, request: Request, args: list[str]) -> Response:
        store = self.store
        if request.method == "POST":
            body = dict(request.body or {})
            topic = str(body.get("topic", ""))
            if topic not in TOPICS:
                raise invalid_param("topic", "topic is not a valid webhook topic.")
            url = str(body.get("delivery_url", ""))
            if not url.startswith(("http://", "https://")):
                raise invalid_param("delivery_url", "delivery_url is not a valid URL.")
            hook = Webhook(store.next_id(), topic, url, str(body.get("secret", "")), store.now())
            if body.get("name"):
                hook.name = str(body["name"])
            hook.status = str(body.get("status", "active"))
            store.webhooks[hook.id] = hook
            store.hooks.ping(hook)
            return 201, webhook_json(hook, self.base), []
        rows = list(store.webhooks.values())
        status = request.query.get("status", "all")
        if status != "all":
            rows = [h for h in rows if h.status == status]
        return list_answer(request, rows, lambda h: webhook_json(h, self.base))

    def webhook(self, request: Request, args: list[str]) -> Response:
        store = self.store
        hook = store.webhooks.get(int(args[0]))
        if hook is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        if request.method == "DELETE":
            answer = webhook_json(hook, self.base)
            del store.webhooks[hook.id]
            return 200, answer, []
        if request.method != "GET":
            body = dict(request.body or {})
            if "status" in body:
                hook.status = str(body["status"])
                if hook.status == "active":
                    hook.failures = 0
            if "secret" in body:
                hook.secret = str(body["secret"])
            if "delivery_url" in body:
                hook.delivery_url = str(body["delivery_url"])
            hook.modified = store.now()
        return 200, webhook_json(hook, self.base), []
