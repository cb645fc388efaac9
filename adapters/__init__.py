"""Platform adapters: one package per platform behind :class:`connector.platform.PlatformAdapter`."""

from __future__ import annotations

from collections.abc import Callable

import requests

from connector.clock import Clock, system_clock
from connector.model import Platform
from connector.platform import PlatformAdapter
from connector.rule_reach import RuleLimits
from connector.settings import ShopSettings

__all__ = ["create_adapter", "rule_limits"]

WOOCOMMERCE_TYPES = frozenset({"simple", "variable", "grouped", "external"})
"""WooCommerce's own product types (the REST ``type``); plugins may add theirs."""

_LIMITS = {
    # Shopify fills every criterion: productType, vendor, and collections by title, handle or id.
    Platform.SHOPIFY: RuleLimits(),
    # Categories match by name, slug or id; ``type`` is the REST type (simple, variable...).
    Platform.WOOCOMMERCE: RuleLimits(
        unread={"vendors": "WooCommerce products have no vendor field"},
        values={"product_types": WOOCOMMERCE_TYPES},
        hint={
            "product_types": "WooCommerce's product types (simple, variable, grouped, external); "
            "use collections for categories"
        },
    ),
}


def rule_limits(platform: Platform) -> RuleLimits:
    """Which policy match criteria ``platform``'s adapter can fill (see connector.rule_reach)."""
    return _LIMITS.get(platform, RuleLimits())


def create_adapter(
    shop: ShopSettings,
    *,
    clock: Clock = system_clock,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] | None = None,
    vip_customers: bool = True,
) -> PlatformAdapter:
    """Build the adapter for ``shop``'s platform. ``session`` and ``sleep`` are seams for tests.

    ``vip_customers`` False: no policy of the shop ranks by customer role or meta, so the
    WooCommerce adapter reads no customer records (Shopify's customer tags come with the orders).
    """
    if shop.platform is Platform.SHOPIFY:
        from adapters.shopify import ShopifyAdapter

        return ShopifyAdapter(shop, clock=clock, session=session, sleep=sleep)
    if shop.platform is Platform.WOOCOMMERCE:
        from adapters.woocommerce import WooCommerceAdapter

        woo = WooCommerceAdapter(shop, clock=clock, session=session, sleep=sleep)
        woo.reader.read_customers = vip_customers
        return woo
    raise ValueError(f"unknown platform {shop.platform!r}")
