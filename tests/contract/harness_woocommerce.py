"""The WooCommerce contract harness: a seeded sandbox store and a real adapter over OAuth 1.0a."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.model import Platform
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from connector.sandbox.woocommerce.hooks import php_json
from connector.sandbox.woocommerce.payloads import order_json
from connector.settings import Secret, ShopSettings
from connector.signing import sign

WEBHOOK_SECRET = "contract-webhook-secret"
# 260 simple products: enough for the 250-change plan, and a full sync stays at a few requests
# (variable products and their per-parent reads are covered in tests/adapters/woocommerce/).
SPEC = SeedSpec(seed=3, products=260, variants_per_product=(1, 1), orders=30, customers=8)


@dataclass
class WooHarness:
    store: WooCommerceSandbox
    adapter: WooCommerceAdapter
    settings: ShopSettings

    batch_limit: int = 100

    def webhook_for_order(self, order_id: str) -> tuple[dict[str, str], bytes]:
        store = self.store
        with store.lock:
            order = store.orders.get(int(order_id))
            body = php_json(order_json(store.catalog, order, store.base_url))
        headers = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": f"{store.base_url}/",
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-Signature": sign(WEBHOOK_SECRET, body),
            "X-WC-Webhook-ID": "7",
            "X-WC-Webhook-Delivery-ID": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        }
        return headers, body

    def forge(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        return {**headers, "X-WC-Webhook-Signature": sign("not-the-secret", body)}, body

    def sku_of(self, variant_id: str) -> str:
        return self.store.catalog.items[int(variant_id)].sku

    def write_requests(self) -> Counter[str]:
        """Storefront and order write requests the store answered, per endpoint (route)."""
        return Counter(
            entry.operation
            for entry in self.store.log.entries()
            if entry.method in ("POST", "PUT", "PATCH") and entry.fault is None
        )


def settings_for(store: WooCommerceSandbox, name: str = "woo") -> ShopSettings:
    credentials = store.credentials()
    return ShopSettings(
        name=name,
        platform=Platform.WOOCOMMERCE,
        url=store.base_url,
        consumer_key=Secret(credentials["consumer_key"]),
        consumer_secret=Secret(credentials["consumer_secret"]),
        webhook_secret=Secret(WEBHOOK_SECRET),
        currency="EUR",
        requests_per_second=0,
        timeout_seconds=5,
        max_retries=8,
    )


@contextlib.contextmanager
def make_harness(tmp_path: Path) -> Iterator[WooHarness]:
    clock = FrozenClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    with WooCommerceSandbox(SPEC, clock=clock) as store:
        settings = settings_for(store)
        adapter = WooCommerceAdapter(settings, clock=clock, sleep=lambda _seconds: None)
        try:
            yield WooHarness(store, adapter, settings)
        finally:
            adapter.close()
