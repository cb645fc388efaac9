"""Platform adapters: one package per platform behind :class:`connector.platform.PlatformAdapter`."""

from __future__ import annotations

from collections.abc import Callable

import requests

from connector.clock import Clock, system_clock
from connector.model import Platform
from connector.platform import PlatformAdapter
from connector.settings import ShopSettings

__all__ = ["create_adapter"]


def create_adapter(
    shop: ShopSettings,
    *,
    clock: Clock = system_clock,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] | None = None,
) -> PlatformAdapter:
    """Build the adapter for ``shop``'s platform. ``session`` and ``sleep`` are seams for tests."""
    if shop.platform is Platform.SHOPIFY:
        from adapters.shopify import ShopifyAdapter

        return ShopifyAdapter(shop, clock=clock, session=session, sleep=sleep)
    if shop.platform is Platform.WOOCOMMERCE:
        from adapters.woocommerce import WooCommerceAdapter

        return WooCommerceAdapter(shop, clock=clock, session=session, sleep=sleep)
    raise ValueError(f"unknown platform {shop.platform!r}")
