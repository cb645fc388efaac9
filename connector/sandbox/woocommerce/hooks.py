"""Webhook deliveries the way WooCommerce sends them.

Deliveries are queued and sent later (``deliver()``), as Action Scheduler does: several changes of
one resource before delivery merge into one, the payload is built at delivery time (so it shows the
state then, not at the change), the body is PHP-encoded JSON (``\\/`` escapes) signed with
:func:`connector.signing.sign`, a failure is never retried, and the 7th failure in a row disables
the webhook. Creating a webhook sends an unsigned form POST ``webhook_id=N``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

import requests

from connector.sandbox.woocommerce.records import Webhook
from connector.signing import sign

__all__ = ["HookQueue", "php_json"]

USER_AGENT = "WooCommerce/7.9.0 Hookshot (WordPress/6.1.9)"
MAX_FAILURES = 7


def php_json(payload: Any) -> bytes:
    """``wp_json_encode`` output: compact, ASCII with ``\\uXXXX``, and slashes escaped."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    return text.replace("/", "\\/").encode("ascii")


class HookQueue:
    """Pending deliveries, keyed by (webhook, resource id) so repeated changes merge."""

    def __init__(
        self,
        hooks: Callable[[], list[Webhook]],
        render: Callable[[str, int], dict[str, Any] | None],
        source: Callable[[], str],
        now: Callable[[], int],
    ) -> None:
        self._hooks = hooks
        self._render = render
        self._source = source
        self._now = now
        self._pending: dict[tuple[int, int], str] = {}
        self._lock = threading.Lock()
        self.delivered: list[dict[str, Any]] = []
        self.timeout = 5.0

    def enqueue(self, resource: str, event: str, resource_id: int) -> None:
        topic = f"{resource}.{event}"
        with self._lock:
            for hook in self._hooks():
                if hook.status == "active" and hook.topic == topic:
                    self._pending[(hook.id, resource_id)] = topic

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def deliver(self) -> int:
        """Send every queued delivery now; returns how many succeeded."""
        with self._lock:
            batch, self._pending = self._pending, {}
        hooks = {hook.id: hook for hook in self._hooks()}
        sent = 0
        for (hook_id, resource_id), topic in batch.items():
            hook = hooks.get(hook_id)
            if hook is None or hook.status != "active":
                continue
            payload = self._render(topic, resource_id)
            if payload is None:
                continue
            sent += self._send(hook, topic, payload)
        return sent

    def _send(self, hook: Webhook, topic: str, payload: dict[str, Any]) -> int:
        body = php_json(payload)
        resource, _, event = topic.partition(".")
        second = self._now()
        headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": f"{self._source()}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": sign(hook.secret, body),
            "X-WC-Webhook-ID": str(hook.id),
            # Real WooCommerce hashes the webhook id and the second: it repeats across deliveries.
            "X-WC-Webhook-Delivery-ID": hashlib.md5(
                f"{hook.id}{second}".encode(), usedforsecurity=False
            ).hexdigest(),
        }
        ok = False
        status = 0
        try:
            answer = requests.post(
                hook.delivery_url, data=body, headers=headers, timeout=self.timeout
            )
            status = answer.status_code
            ok = 200 <= status < 300
        except requests.RequestException:
            ok = False
        self.delivered.append({"webhook_id": hook.id, "topic": topic, "status": status, "ok": ok})
        if ok:
            hook.failures = 0
            return 1
        hook.failures += 1
        if hook.failures >= MAX_FAILURES:
            hook.status = "disabled"
            hook.modified = self._now()
        return 0

    def ping(self, hook: Webhook) -> None:
        """The unsigned creation ping; its outcome does not matter to WooCommerce."""
        if hook.status != "active":
            return
        with contextlib.suppress(requests.RequestException):
            requests.post(
                hook.delivery_url,
                data=f"webhook_id={hook.id}",
                headers={
                    "User-Agent": USER_AGENT,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=self.timeout,
            )
