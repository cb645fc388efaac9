"""Every fulfillment order of an order, and every line of each, past the first pages one read gets.

``OrderFulfillment`` reads a first page (a few fulfillment orders, a few lines each); an order split
across many locations, or one long order, goes on past it. Both the hold writer and the reader that
marks lines under our holds need all of it, so both complete the node here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from adapters.shopify.client import GraphQLClient

__all__ = ["IDS_PER_CALL", "next_page", "whole_fulfillment"]

IDS_PER_CALL = 25
"""Orders per ``OrderFulfillment`` call: 25 x about 34 points stays under 900 even if Shopify
charges ``nodes(ids:)`` per id (it does not publish whether it does)."""


def next_page(conn: Mapping[str, Any]) -> tuple[bool, str | None]:
    """``(more, cursor)`` from a connection's ``pageInfo``; no usable cursor means no more pages."""
    info = conn.get("pageInfo") or {}
    cursor = info.get("endCursor")
    more = bool(info.get("hasNextPage")) and isinstance(cursor, str) and bool(cursor)
    return more, cursor if more else None


def whole_fulfillment(
    client: GraphQLClient,
    order: Mapping[str, Any],
    lines_of: Callable[[Mapping[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """``order`` (an ``OrderFulfillment`` node) with every fulfillment order and their lines.

    Calls are made only where Shopify says more pages exist. ``lines_of`` picks the fulfillment
    orders whose further lines are worth reading (default: all); the others keep their first page.
    """
    conn = order.get("fulfillmentOrders") or {}
    fos = [dict(fo) for fo in conn.get("nodes") or () if isinstance(fo, Mapping)]
    more, after = next_page(conn)
    while more:
        data = client.run("OrderFulfillmentOrders", {"id": order.get("id"), "after": after})
        conn = ((data.get("order") or {}).get("fulfillmentOrders")) or {}
        fos += [dict(fo) for fo in conn.get("nodes") or () if isinstance(fo, Mapping)]
        more, after = next_page(conn)
    for fo in fos:
        lines_conn = fo.get("lineItems") or {}
        lines = list(lines_conn.get("nodes") or ())
        more, after = next_page(lines_conn)
        while more and (lines_of is None or lines_of(fo)):
            data = client.run("FulfillmentOrderLines", {"id": fo.get("id"), "after": after})
            lines_conn = ((data.get("fulfillmentOrder") or {}).get("lineItems")) or {}
            lines += lines_conn.get("nodes") or ()
            more, after = next_page(lines_conn)
        fo["lineItems"] = {"nodes": lines}
    return {**order, "fulfillmentOrders": {"nodes": fos}}
