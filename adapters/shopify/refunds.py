"""The refunds of orders where the shop returned money, read apart from the order pages.

A page of orders carries each order's ``totalRefundedSet`` (2 points); only orders where it is
above zero have their refunds read, ``REFUND_BATCH`` orders a call (``OrderRefunds``), so a shop
whose orders were never refunded pays nothing more. An order refunded with no money (a restock
only) is not read: none of its lines has money to tell the customer about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.shopify.client import GraphQLClient
from adapters.shopify.mapping import money_refunded

__all__ = ["REFUND_BATCH", "read_refunds"]

REFUND_BATCH = 5
"""Orders per ``OrderRefunds`` call: 10 refunds of 10 line items each stay near 300 points even
if Shopify charges ``nodes(ids:)`` per id."""


def read_refunds(client: GraphQLClient, nodes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Order id -> its ``refunds`` list, for the orders of ``nodes`` where money was refunded."""
    ids = [str(n["id"]) for n in nodes if money_refunded(n) > 0]
    found: dict[str, Any] = {}
    for start in range(0, len(ids), REFUND_BATCH):
        batch = ids[start : start + REFUND_BATCH]
        data = client.run("OrderRefunds", {"ids": batch}, key=f"OrderRefunds:{len(batch)}")
        for node in data.get("nodes") or ():
            if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                found[node["id"]] = node.get("refunds")
    return found
