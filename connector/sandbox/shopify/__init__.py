"""A local Shopify shop speaking the Admin GraphQL API, for tests, benchmarks and the demo."""

from __future__ import annotations

from connector.sandbox.shopify.app import DEFAULT_SCOPES, ShopifySandbox

__all__ = ["DEFAULT_SCOPES", "ShopifySandbox"]
