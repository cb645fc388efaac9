"""The sandbox's product page: a minimal Online Store page rendered with the real Liquid snippet
we ship (``deploy/shopify/backorder-eta.liquid``), from the sandbox's own records.

It stands in for a theme so tests and the docs' screenshots show what a shopper reads: the
variant's ``backorder_connector.eta_label`` metafield, as the connector wrote it over the Admin
API. Needs ``python-liquid`` (a test dependency); Liquid drops are plain dicts here.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from connector.sandbox.shopify.records import SProduct, SVariant
from connector.sandbox.shopify.store import ShopData

__all__ = ["SNIPPET", "product_page", "render_snippet"]

SNIPPET = Path(__file__).parents[3] / "deploy" / "shopify" / "backorder-eta.liquid"


def _drop(variant: SVariant) -> dict[str, Any]:
    fields: dict[str, dict[str, dict[str, str]]] = {}
    for field in variant.metafields or ():
        fields.setdefault(field.namespace, {})[field.key] = {"value": field.value}
    return {"id": variant.id, "title": variant.title, "sku": variant.sku, "metafields": fields}


def render_snippet(data: ShopData, product: SProduct, selected: SVariant | None = None) -> str:
    """The snippet's HTML for ``product`` with ``selected`` picked (default: the first variant)."""
    from liquid import Environment

    with data.lock:
        variants = [data.variants[v] for v in product.variant_ids]
        drops = [_drop(v) for v in variants]
    current = next((d for d in drops if selected and d["id"] == selected.id), drops[0])
    template = Environment().from_string(SNIPPET.read_text(encoding="utf-8"))
    return template.render(
        product={"variants": drops, "selected_or_first_available_variant": current}
    )


def product_page(data: ShopData, sku: str) -> str:
    """A whole product page for the variant selling ``sku``: title, variant, price, the snippet."""
    with data.lock:
        variant = data.variant_by_sku(sku)
        product = data.products[variant.product_id]
    snippet = render_snippet(data, product, variant)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(product.title)}</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1f2937; max-width: 40rem; }}
 .price {{ font-size: 1.25rem; margin: .25rem 0 1rem; }}
 .variant {{ color: #4b5563; }}
 button {{ background: #111827; color: #fff; border: 0; padding: .75rem 1.5rem; font-size: 1rem; }}
</style></head>
<body>
<h1>{html.escape(product.title)}</h1>
<p class="variant">{html.escape(variant.title)} &middot; SKU {html.escape(variant.sku)}</p>
<p class="price">{html.escape(str(variant.price))} USD</p>
<form action="/cart/add" method="post"><input type="hidden" name="id" value="{variant.id}">
{snippet}
<button type="submit">Add to cart</button></form>
</body></html>
"""
