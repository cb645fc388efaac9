"""The Shopify adapter (Admin GraphQL API)."""

from __future__ import annotations

from adapters.shopify.adapter import NEEDED_SCOPES, ShopifyAdapter

__all__ = ["NEEDED_SCOPES", "ShopifyAdapter"]
