"""Connections: one page of records, filtered by Shopify's search syntax and sorted; their counts.

The one pager of the sandbox's resolvers, bulk runs and mutations; the search term lookups of
products, variants and orders (what ``updated_at:``, ``sku:``, ``status:``... compare).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from connector.sandbox.shopify.records import SOrder, SProduct, SVariant
from connector.sandbox.shopify.search import matches, page, parse_query

if TYPE_CHECKING:
    from connector.sandbox.shopify.store import ShopData

__all__ = [
    "MAX_PAGE",
    "ConnectionArgsError",
    "closed",
    "connection",
    "count_records",
    "order_field",
    "product_field",
    "search_connection",
    "variant_field",
]

MAX_PAGE = 250


class ConnectionArgsError(ValueError):
    pass


def connection(
    records: Iterable[Any], args: dict[str, Any], key: Callable[[Any], Any] = lambda r: r.id
) -> dict[str, Any]:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise ConnectionArgsError("you must provide one of first or last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise ConnectionArgsError(f"The '{name}' argument must be between 0 and {MAX_PAGE}.")
    items, info = page(
        records,
        key=key,
        first=first,
        last=last,
        after=args.get("after"),
        before=args.get("before"),
        reverse=bool(args.get("reverse")),
    )
    return {
        "edges": [{"cursor": cursor, "node": node} for cursor, node in items],
        "nodes": [node for _, node in items],
        "pageInfo": info,
    }


_SORT_KEYS: dict[str, Callable[[Any], Any]] = {
    "UPDATED_AT": lambda r: r.updated_at,
    "CREATED_AT": lambda r: r.created_at,
    # An order is processed when it is placed (Shopify's default order sort).
    "PROCESSED_AT": lambda r: r.created_at,
    "TITLE": lambda r: r.title,
    "SKU": lambda r: r.sku,
    "ID": lambda r: r.id,
}


def search_connection(
    records: Iterable[Any], args: dict[str, Any], lookup: Callable[[Any, str], Any]
) -> dict[str, Any]:
    """Records filtered by ``query`` (``lookup(record, term)`` gives a term's value), sorted by
    ``sortKey``, one page of them."""
    terms = parse_query(args.get("query"))
    chosen = (r for r in records if matches(terms, partial(lookup, r)))
    key = _SORT_KEYS.get(args.get("sortKey") or "ID", _SORT_KEYS["ID"])
    return connection(chosen, args, key)


def product_field(data: ShopData, product: SProduct, field: str) -> Any:
    return {
        "updated_at": product.updated_at,
        "created_at": product.created_at,
        "id": product.id,
        "status": product.status,
        "tag": product.tags,
        "title": product.title,
        "sku": [data.variants[v].sku for v in product.variant_ids],
    }.get(field)


def variant_field(data: ShopData, variant: SVariant, field: str) -> Any:
    if field == "sku":
        return variant.sku
    if field in ("updated_at", "created_at", "id"):
        return {"updated_at": variant.updated_at, "created_at": variant.created_at}.get(
            field, variant.id
        )
    if field == "product_id":
        return variant.product_id
    return None


def order_field(data: ShopData, order: SOrder, field: str) -> Any:
    if field in ("updated_at", "created_at", "id"):
        return {"updated_at": order.updated_at, "created_at": order.created_at}.get(field, order.id)
    if field == "status":
        return "cancelled" if order.cancelled_at else ("closed" if closed(data, order) else "open")
    if field == "tag":
        return order.tags
    if field == "sku":
        return [data.lines[i].sku for i in order.line_ids]
    if field == "email":
        return order.email
    if field == "name":
        # Shopify finds order #1001 by "name:#1001" and by "name:1001" alike.
        return [f"#{order.number}", str(order.number)]
    return None


def closed(data: ShopData, order: SOrder) -> bool:
    return data.display_status(order) == "FULFILLED"


def count_records(
    records: Iterable[Any],
    a: dict[str, Any],
    field: Callable[[ShopData, Any, str], Any],
    d: ShopData,
) -> dict[str, Any]:
    """A ``...Count`` answer: how many ``records`` match ``query``, up to ``limit``."""
    terms = parse_query(a.get("query"))
    limit = a.get("limit")
    count = 0
    for record in records:
        if matches(terms, partial(field, d, record)):
            count += 1
            if limit is not None and count >= limit:
                return {"count": count, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}
