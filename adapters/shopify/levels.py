"""Stock levels at every location: the pages of ``inventoryLevels`` a variant read did not get.

A variant's stock is the sum over the shop's active locations (``inventoryLevels`` leaves
inactive ones out by default). A variant read asks for a first page of ``first`` levels; an item
stocked at more locations is completed here, one item at a time, so no location's stock is left
out of the sum, and ``first`` grows to the most locations met (up to ``MAX_FIRST``) so that later
reads of the same shop get every level in the first page. It starts small because each level a
page asks for is charged for every variant of the page, used or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.shopify.client import GraphQLClient
from adapters.shopify.fulfillment import next_page

__all__ = ["FIRST", "MAX_FIRST", "LevelReader"]

FIRST = 5
MAX_FIRST = 50


class LevelReader:
    def __init__(self, client: GraphQLClient) -> None:
        self.client = client
        self.first = FIRST
        """How many levels a variant read asks for (the ``$levelFirst`` of its document)."""

    def complete(self, nodes: Iterable[Any]) -> list[tuple[Any, list[Any] | None]]:
        """Each variant node with all its levels, or None when its own levels are all of them."""
        pairs = [(node, self._rest(node)) for node in nodes]
        for _, levels in pairs:
            if levels is not None:
                self.first = max(self.first, min(MAX_FIRST, len(levels)))
        return pairs

    def _rest(self, node: Any) -> list[Any] | None:
        item = node.get("inventoryItem") if isinstance(node, Mapping) else None
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            return None
        conn = item.get("inventoryLevels") or {}
        more, after = next_page(conn)
        if not more:
            return None
        levels = list(conn.get("nodes") or ())
        while more:
            data = self.client.run("InventoryLevelsPage", {"id": item["id"], "after": after})
            conn = ((data.get("node") or {}).get("inventoryLevels")) or {}
            levels += conn.get("nodes") or ()
            more, after = next_page(conn)
        return levels
