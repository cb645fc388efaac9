"""Collections in the sandbox shop: custom (manual) ones and smart ones, as Shopify keeps them.

A custom collection holds the products put in it by hand; a smart collection holds every product
its rules match, computed when asked, so a product edit that changes whether the rules match moves
the product in or out without touching the collection. What Shopify publishes, and this sandbox
does (2026-10 schema, ``WebhookSubscriptionTopic.COLLECTIONS_UPDATE``): ``collections/update``
"occurs whenever a collection is updated, including when a product is manually added or removed
from the collection or when the collection rules change", once for several products added at once,
and not when attribute changes affect whether a product matches a collection's rules. Adding or
removing a product by hand moves the collection's ``updatedAt``, never the product's
(community.shopify.com "Collection update doesn't affect product update date"; the REST Collect,
the product-collection link, is an object of its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from connector.sandbox.shopify.connections import connection, search_connection
from connector.sandbox.shopify.records import SProduct, gid, iso, parse_gid

if TYPE_CHECKING:
    from connector.sandbox.shopify.store import ShopData

__all__ = [
    "COLLECTION_FIELDS",
    "COLLECTION_ROOTS",
    "SCollection",
    "collection_field",
    "collections_of",
    "members",
]

Rule = tuple[str, str, str]
"""``(column, relation, condition)``: ``("TAG", "EQUALS", "sofa")``."""


class SCollection:
    __slots__ = ("disjunctive", "handle", "id", "product_ids", "rules", "title", "updated_at")

    def __init__(  # noqa: PLR0917 - a compact record
        self,
        id: int,
        title: str,
        handle: str,
        at: Any,
        rules: Sequence[Rule] | None = None,
        disjunctive: bool = False,
    ) -> None:
        self.id = id
        self.title = title
        self.handle = handle
        self.updated_at = at
        self.product_ids: list[int] = []
        """A custom collection's products, in the order they were added."""
        self.rules: list[Rule] | None = list(rules) if rules is not None else None
        """A smart collection's rules; None for a custom one."""
        self.disjunctive = disjunctive


def _value(product: SProduct, column: str) -> list[str]:
    if column == "TAG":
        return list(product.tags)
    return [
        {"TITLE": product.title, "TYPE": product.product_type, "VENDOR": product.vendor}[column]
    ]


def _holds(rule: Rule, product: SProduct) -> bool:
    column, relation, condition = rule
    wanted = condition.casefold()
    values = [v.casefold() for v in _value(product, column)]
    if relation.startswith("NOT_"):
        return all(not _test(relation[4:], v, wanted) for v in values)
    return any(_test(relation, v, wanted) for v in values)


def _test(relation: str, value: str, wanted: str) -> bool:
    if relation == "EQUALS":
        return value == wanted
    if relation == "CONTAINS":
        return wanted in value
    if relation == "STARTS_WITH":
        return value.startswith(wanted)
    return value.endswith(wanted)  # ENDS_WITH


def _smart_member(collection: SCollection, product: SProduct) -> bool:
    rules = collection.rules or []
    held = (_holds(rule, product) for rule in rules)
    return any(held) if collection.disjunctive else bool(rules) and all(held)


def members(data: ShopData, collection: SCollection) -> list[SProduct]:
    """The collection's products now: by hand for a custom one, by its rules for a smart one."""
    if collection.rules is None:
        return [data.products[i] for i in collection.product_ids if i in data.products]
    return [p for p in data.products.values() if _smart_member(collection, p)]


def collections_of(data: ShopData, product: SProduct) -> list[SCollection]:
    """Every collection ``product`` is in, in id order."""
    return [
        c
        for c in data.collections.values()
        if (product.id in c.product_ids if c.rules is None else _smart_member(c, product))
    ]


def collection_field(data: ShopData, collection: SCollection, field: str) -> Any:
    """A collection's value for a search term (``updated_at``, ``title``, ``collection_type``...)."""
    if field == "product_id":
        return [p.id for p in members(data, collection)]
    return {
        "updated_at": collection.updated_at,
        "id": collection.id,
        "title": collection.title,
        "handle": collection.handle,
        "collection_type": "custom" if collection.rules is None else "smart",
    }.get(field)


def _search(data: ShopData, records: Iterable[SCollection], args: dict[str, Any]) -> Any:
    return search_connection(records, args, lambda c, f: collection_field(data, c, f))


def _by_id(data: ShopData, value: str) -> SCollection | None:
    parsed = parse_gid(value, "Collection")
    return data.collections.get(parsed[1]) if parsed else None


def _product_page(data: ShopData, collection: SCollection, args: dict[str, Any]) -> Any:
    return connection(members(data, collection), args)


COLLECTION_ROOTS: dict[str, Any] = {
    "collection": lambda d, o, a: _by_id(d, a["id"]),
    "collections": lambda d, o, a: _search(d, d.collections.values(), a),
}
"""``QueryRoot`` fields, merged into the resolvers' table."""

COLLECTION_FIELDS: dict[str, dict[str, Any]] = {
    "Collection": {
        "id": lambda d, o, a: gid("Collection", o.id),
        "legacyResourceId": lambda d, o, a: str(o.id),
        "updatedAt": lambda d, o, a: iso(o.updated_at),
        "ruleSet": lambda d, o, a: (
            None
            if o.rules is None
            else {
                "appliedDisjunctively": o.disjunctive,
                "rules": [{"column": c, "relation": r, "condition": v} for c, r, v in o.rules],
            }
        ),
        "products": _product_page,
    },
}
"""Types the resolvers' table gains (``Product.collections`` is added there too)."""


def product_collections(data: ShopData, product: SProduct, args: dict[str, Any]) -> Any:
    """``Product.collections``: every collection holding the product, searchable and sorted."""
    return _search(data, collections_of(data, product), args)


# ---- what the merchant does in the admin (the control API) -------------------------------------


def _payload(collection: SCollection) -> dict[str, Any]:
    """The REST-shaped body of collections/update (and /delete: the id only, as Shopify sends)."""
    return {
        "id": collection.id,
        "admin_graphql_api_id": gid("Collection", collection.id),
        "handle": collection.handle,
        "title": collection.title,
        "updated_at": iso(collection.updated_at),
        "sort_order": "manual" if collection.rules is None else "best-selling",
    }


def create_collection(
    data: ShopData,
    title: str,
    *,
    handle: str | None = None,
    product_ids: Sequence[int] = (),
    rules: Sequence[Rule] | None = None,
    disjunctive: bool = False,
) -> SCollection:
    """A new custom collection holding ``product_ids``, or a smart one with ``rules``."""
    if rules is not None:
        for column, relation, _ in rules:
            if column not in ("TAG", "TITLE", "TYPE", "VENDOR") or relation not in (
                "EQUALS",
                "NOT_EQUALS",
                "CONTAINS",
                "NOT_CONTAINS",
                "STARTS_WITH",
                "ENDS_WITH",
            ):
                raise ValueError(f"unsupported collection rule {column} {relation}")
    collection = SCollection(
        data.next_id(),
        title,
        handle or title.lower().replace(" ", "-"),
        data.clock(),
        rules,
        disjunctive,
    )
    collection.product_ids = [p for p in dict.fromkeys(product_ids) if p in data.products]
    data.collections[collection.id] = collection
    data.emit("collections/create", {"payload": _payload(collection)})
    return collection


def set_members(
    data: ShopData, collection: SCollection, add: Sequence[int] = (), remove: Sequence[int] = ()
) -> None:
    """Put products in a custom collection or take them out by hand: the collection's
    ``updatedAt`` moves and one collections/update is sent; the products are not touched."""
    if collection.rules is not None:
        # Shopify refuses a collect on a smart collection (REST Collect: 403 Forbidden).
        raise ValueError("a smart collection's products follow its rules")
    before = list(collection.product_ids)
    kept = [p for p in collection.product_ids if p not in set(remove)]
    kept += [p for p in add if p in data.products and p not in kept]
    if kept == before:
        return
    collection.product_ids = kept
    collection.updated_at = data.clock()
    data.emit("collections/update", {"payload": _payload(collection)})


def set_rules(
    data: ShopData, collection: SCollection, rules: Sequence[Rule], disjunctive: bool = False
) -> None:
    """Change a smart collection's rules: its ``updatedAt`` moves, collections/update is sent."""
    collection.rules = list(rules)
    collection.disjunctive = disjunctive
    collection.updated_at = data.clock()
    data.emit("collections/update", {"payload": _payload(collection)})


def delete_collection(data: ShopData, collection: SCollection) -> None:
    """Delete a collection; collections/delete carries its id only."""
    del data.collections[collection.id]
    data.emit("collections/delete", {"payload": {"id": collection.id}})
