"""A local WooCommerce 7.9 store (REST API v3) that follows WooCommerce's rules, not a dict store.

What it does the way a real store did (``../shared/PLATFORMS.md``, "Seen on a real WooCommerce 7.9
store"): derived stock fields, parent-managed variation stock, REST orders selling below zero, stock
reduced once at processing and restored on cancel/pending, the "Backordered" line meta only for a
storefront checkout of ``notify`` products, tags replaced as a set, meta upserts, paging headers,
batches capped at 100 with per-item errors in a 200 and no validation, webhooks built at delivery
time and merged, Basic auth over HTTPS and OAuth 1.0a over plain HTTP.
"""

from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["WooCommerceSandbox"]
