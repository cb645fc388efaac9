"""Re-reading named products (webhooks, resyncs): every variant of each, with every location's stock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.shopify.fulfillment import next_page
from adapters.shopify.reading import Reader
from adapters.shopify.sizing import Sizer
from connector.model import Product, SkippedPayload, Variant

__all__ = ["PRODUCTS_PER_CALL", "read_products"]

PRODUCTS_PER_CALL = 10


def read_products(
    reader: Reader, product_ids: Sequence[str]
) -> tuple[list[Product], list[Variant], list[SkippedPayload]]:
    """The products named by ``product_ids`` (products, or inventory items resolved to theirs)."""
    client = reader.client
    ids = list(product_ids)
    items = [p for p in ids if "/InventoryItem/" in p]
    if items:
        data = client.run(
            "CatalogByIds",
            {"ids": items, "levelFirst": reader.levels.first},
            key=f"CatalogByIds:{len(items)}",
        )
        for node in data.get("nodes") or ():
            for variant in (((node or {}).get("itemVariants") or {}).get("nodes")) or ():
                product = ((variant or {}).get("product") or {}).get("id")
                if product:
                    ids.append(str(product))
    products: list[Product] = []
    variants: list[Variant] = []
    skips: list[SkippedPayload] = []
    wanted = [p for p in dict.fromkeys(ids) if "/Product/" in p]
    for start in range(0, len(wanted), PRODUCTS_PER_CALL):
        batch = wanted[start : start + PRODUCTS_PER_CALL]
        data = client.run(
            "CatalogByIds",
            {"ids": batch, "levelFirst": reader.levels.first},
            key=f"CatalogByIds:{len(batch)}:levels={reader.levels.first}",
        )
        for node in data.get("nodes") or ():
            if not isinstance(node, Mapping) or "title" not in node:
                continue
            variant_nodes = _every_variant(reader, node)
            product, mapped = reader.catalog_entry(node, ((n, None) for n in variant_nodes), skips)
            if product is not None:
                products.append(product)
                variants.extend(mapped)
    return products, variants, skips


def _every_variant(reader: Reader, node: Mapping[str, Any]) -> list[Any]:
    """The product's variant nodes: the first page ``node`` carries, then the pages after it."""
    conn = node.get("variants") or {}
    found = list(conn.get("nodes") or ())
    more, after = next_page(conn)
    sizer = Sizer(reader.client, (50,))
    while more:

        def variables(sizes: tuple[int, ...], after: str | None = after) -> dict[str, Any]:
            return {
                "id": node["id"],
                "first": sizes[0],
                "after": after,
                "levelFirst": reader.levels.first,
            }

        data = reader.sized(
            "ProductVariantsPage", sizer, variables, tag=f":levels={reader.levels.first}"
        )
        conn = ((data.get("product") or {}).get("variants")) or {}
        found += conn.get("nodes") or ()
        more, after = next_page(conn)
    return found
