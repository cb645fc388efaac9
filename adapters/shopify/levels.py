"""Stock levels at every location: the pages of ``inventoryLevels`` a variant read did not get.

A variant's stock is the sum over the shop's active locations (``inventoryLevels`` leaves
inactive ones out by default). A variant read asks for a first page of ``first`` levels. When an
item turns out to be stocked at more locations, one item is read to the end to learn how many,
``first`` grows to that (up to ``MAX_FIRST``, so later reads of the shop get every level in their
first page), and the other short items of the read are read again a batch per call
(``InventoryLevelsByItems``); an item past even that pages on alone (``InventoryLevelsPage``).
``first`` starts small because each level a page asks for is charged for every variant of the
page, used or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.shopify.client import GraphQLClient
from adapters.shopify.fulfillment import next_page

__all__ = ["FIRST", "MAX_FIRST", "LevelReader"]

FIRST = 5
MAX_FIRST = 50
LEVEL_COST = 3
"""Points one level with its quantities is charged, as Shopify's requested cost counts it."""


def _item(node: Any) -> Mapping[str, Any] | None:
    item = node.get("inventoryItem") if isinstance(node, Mapping) else None
    return item if isinstance(item, Mapping) and isinstance(item.get("id"), str) else None


def _short(node: Any) -> bool:
    item = _item(node)
    return item is not None and next_page(item.get("inventoryLevels") or {})[0]


class LevelReader:
    def __init__(self, client: GraphQLClient) -> None:
        self.client = client
        self.first = FIRST
        """How many levels a variant read asks for (the ``$levelFirst`` of its document)."""

    def complete(self, nodes: Iterable[Any]) -> list[tuple[Any, list[Any] | None]]:
        """Each variant node with all its levels, or None when its own levels are all of them."""
        pairs: list[tuple[Any, list[Any] | None]] = [(node, None) for node in nodes]
        short = [i for i, (node, _) in enumerate(pairs) if _short(node)]
        if not short:
            return pairs
        first_node = pairs[short[0]][0]
        levels = self._rest(_item(first_node) or {})
        pairs[short[0]] = (first_node, levels)
        self.first = max(self.first, min(MAX_FIRST, len(levels)))
        found = self._batch([str((_item(pairs[i][0]) or {})["id"]) for i in short[1:]])
        for i in short[1:]:
            node = pairs[i][0]
            pairs[i] = (node, found.get(str((_item(node) or {})["id"])))
        return pairs

    def _batch(self, item_ids: list[str]) -> dict[str, list[Any]]:
        """Every level of each item, a few items a call at the current ``first``."""
        found: dict[str, list[Any]] = {}
        size = max(1, int(0.9 * self.client.cap) // (2 + LEVEL_COST * self.first))
        for start in range(0, len(item_ids), size):
            batch = item_ids[start : start + size]
            data = self.client.run(
                "InventoryLevelsByItems",
                {"ids": batch, "levelFirst": self.first},
                key=f"InventoryLevelsByItems:{len(batch)}:{self.first}",
            )
            for item in data.get("nodes") or ():
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    found[item["id"]] = self._rest(item)
        return found

    def _rest(self, item: Mapping[str, Any]) -> list[Any]:
        """All levels of ``item``: the page it carries, then the pages after it."""
        conn = item.get("inventoryLevels") or {}
        levels = list(conn.get("nodes") or ())
        more, after = next_page(conn)
        while more:
            data = self.client.run("InventoryLevelsPage", {"id": item["id"], "after": after})
            conn = ((data.get("node") or {}).get("inventoryLevels")) or {}
            levels += conn.get("nodes") or ()
            more, after = next_page(conn)
        return levels
