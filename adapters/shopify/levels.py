"""Stock levels at every location: the pages of ``inventoryLevels`` a variant read did not get.

A variant's stock is the sum over the shop's active locations (``inventoryLevels`` leaves
inactive ones out by default). A variant read carries a first page of levels; an item stocked at
more locations than that page holds is completed here, one item at a time, so no location's
stock is left out of the sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.shopify.client import GraphQLClient
from adapters.shopify.fulfillment import next_page

__all__ = ["with_levels"]


def with_levels(client: GraphQLClient, nodes: Iterable[Any]) -> list[tuple[Any, list[Any] | None]]:
    """Each variant node with all its levels, or None when the node's own levels are all of them."""
    return [(node, _rest(client, node)) for node in nodes]


def _rest(client: GraphQLClient, node: Any) -> list[Any] | None:
    item = node.get("inventoryItem") if isinstance(node, Mapping) else None
    if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
        return None
    conn = item.get("inventoryLevels") or {}
    more, after = next_page(conn)
    if not more:
        return None
    levels = list(conn.get("nodes") or ())
    while more:
        data = client.run("InventoryLevelsPage", {"id": item["id"], "after": after})
        conn = ((data.get("node") or {}).get("inventoryLevels")) or {}
        levels += conn.get("nodes") or ()
        more, after = next_page(conn)
    return levels
