"""The Shopify contract harness: a seeded sandbox shop and a real ShopifyAdapter over 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.shopify import ShopifyAdapter
from connector.clock import FrozenClock
from connector.model import Platform
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify import ShopifySandbox
from connector.sandbox.shopify.records import parse_gid
from connector.sandbox.shopify.webhooks import build_payload
from connector.settings import Secret, ShopSettings
from connector.signing import sign
from tests.timeline import bucket_time

SPEC = SeedSpec(seed=4, products=30, customers=8, orders=30)


@dataclass
class ShopifyHarness:
    store: ShopifySandbox
    adapter: ShopifyAdapter
    settings: ShopSettings

    def webhook_for_order(self, order_id: str) -> tuple[dict[str, str], bytes]:
        ref = parse_gid(order_id, "Order")
        assert ref is not None, order_id
        with self.store.data.lock:
            payload = build_payload(self.store.data, "orders/updated", {"order": ref[1]})
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/updated",
            "X-Shopify-Hmac-Sha256": sign(self.store.app_secret, body),
            "X-Shopify-Shop-Domain": self.store.domain,
            "X-Shopify-API-Version": self.settings.api_version,
            "X-Shopify-Webhook-Id": f"b54557e4-{ref[1]}",
            "X-Shopify-Event-Id": f"evt-{ref[1]}",
            "X-Shopify-Triggered-At": "2026-11-01T09:00:00Z",
        }
        return headers, body

    def forge(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return {**headers, "X-Shopify-Hmac-Sha256": sign("not-the-app-secret", body)}, body

    def sku_of(self, variant_id: str) -> str:
        return str(self.store.state()["variants"][variant_id]["sku"])

    def write_requests(self) -> Counter[str]:
        """Mutations the shop answered, by operation name."""
        return Counter(
            entry.operation
            for entry in self.store.log.entries()
            if entry.fault is None and entry.operation[:1].isupper() and _is_write(entry.operation)
        )


def _is_write(operation: str) -> bool:
    return operation.endswith(
        ("Update", "Add", "Remove", "Set", "Delete", "Hold", "Create")
    ) or operation.startswith("FulfillmentOrderRelease")


@contextlib.contextmanager
def make_harness(tmp_path: Path) -> Iterator[ShopifyHarness]:
    clock = FrozenClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    with ShopifySandbox(SPEC, clock=clock, bucket_time=bucket_time(clock)) as store:
        settings = ShopSettings(
            name="shopify",
            platform=Platform.SHOPIFY,
            url=store.base_url,
            access_token=Secret(store.access_token),
            client_secret=Secret(store.app_secret),
            timeout_seconds=5.0,
            max_retries=8,
        )
        # Waits move the shop's clock (and refill its bucket) instead of really waiting.
        adapter = ShopifyAdapter(
            settings, clock=clock, sleep=lambda seconds: clock.advance(timedelta(seconds=seconds))
        )
        try:
            yield ShopifyHarness(store, adapter, settings)
        finally:
            adapter.close()
