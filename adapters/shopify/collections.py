"""Collections: what each product is in, and which collections changed since the cursor.

A product's collections come with every product read (``ProductCollections``: the first ten, the
rest paged on) and, in a bulk first sync, from a bulk query of their own (``BulkCollections``).
Each collection is carried into ``Product.collections`` by every name a policy may give it: its
title, its handle and the id the admin shows, as WooCommerce categories are by name, slug and id.

What moves, per Shopify (the 2026-10 schema's ``WebhookSubscriptionTopic``): ``collections/update``
"occurs whenever a collection is updated, including when a product is manually added or removed
from the collection or when the collection rules change", and is "not fired when attribute changes
affect whether a product matches a collection's rules". A product put in a collection by hand keeps
its own ``updatedAt`` (community.shopify.com, "Collection update doesn't affect product update
date"), so the product stream alone never sees it; a smart collection's membership changes through
the product's own attributes, which do move the product. So each catalog read also asks, in its
first request, for the collections whose ``updatedAt`` moved since the cursor (free when none did),
and reads the products of each such collection, ids only, 250 a call; the core then re-reads the
products whose stored collections disagree (:func:`connector.sync.settle_memberships`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.shopify.client import GraphQLClient
from adapters.shopify.cursor import Cursor, StreamState, iso, parse_iso
from adapters.shopify.fulfillment import next_page
from connector.platform import GroupMembers

__all__ = [
    "CHANGED_FIRST",
    "SWEEP_EVERY",
    "CollectionPlan",
    "CollectionReader",
    "collection_key",
    "collection_keys",
    "membership_map",
]

CHANGED_FIRST = 25
"""Changed collections asked for in a catalog read's first request (``CatalogChanges``)."""

SWEEP_EVERY = timedelta(hours=24)
"""How often every collection's members are compared with the stored products, whatever moved:
the bound on a membership change that no ``updatedAt`` showed and no webhook brought (a
collection deleted while the webhook was down; two changes in one second)."""


def collection_key(node: Mapping[str, Any]) -> str:
    """The id a collection is known by in ``Product.collections`` and in :class:`GroupMembers`:
    the number the admin shows (``legacyResourceId``, else the GID's tail)."""
    legacy = node.get("legacyResourceId")
    if legacy not in (None, ""):
        return str(legacy)
    return str(node.get("id") or "").rsplit("/", 1)[-1]


def collection_keys(nodes: Iterable[Any]) -> tuple[str, ...]:
    """Each collection's title, handle and id, in order, without repeats or empty parts."""
    found: dict[str, None] = {}
    for node in nodes:
        if not isinstance(node, Mapping):
            continue
        for part in (node.get("title"), node.get("handle"), collection_key(node)):
            if isinstance(part, str | int) and str(part):
                found[str(part)] = None
    return tuple(found)


def membership_map(lines: Iterator[Any]) -> dict[str, tuple[str, ...]]:
    """Product GID -> its collections' names, from a ``BulkCollections`` JSONL stream.

    Collection lines come before their product lines (grouped or not); a product line whose
    collection was not seen, or a line that is not an object, is passed over.
    """
    names: dict[str, tuple[str, ...]] = {}
    found: dict[str, dict[str, None]] = {}
    for line in lines:
        if not isinstance(line, Mapping):
            continue
        parent = line.get("__parentId")
        if parent is None:
            if isinstance(line.get("id"), str):
                names[line["id"]] = collection_keys([line])
            continue
        product = line.get("id")
        if isinstance(product, str) and parent in names:
            found.setdefault(product, {}).update(dict.fromkeys(names[parent]))
    return {product: tuple(keys) for product, keys in found.items()}


class CollectionReader:
    """The reads behind a product's whole list of collections and the collections that changed."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client

    def complete(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """``node`` with every one of its collections, paging on past the first page it carries."""
        conn = node.get("collections")
        if not isinstance(conn, Mapping) or not isinstance(node.get("id"), str):
            return node
        more, after = next_page(conn)
        if not more:
            return node
        nodes = list(conn.get("nodes") or ())
        while more:
            data = self.client.run("ProductCollectionsPage", {"id": node["id"], "after": after})
            product = data.get("product")
            page = product.get("collections") if isinstance(product, Mapping) else None
            if not isinstance(page, Mapping):
                break  # the product went away meanwhile: what was read stands
            nodes += page.get("nodes") or ()
            more, after = next_page(page)
        return {**node, "collections": {"nodes": nodes}}

    def changed(
        self,
        first: Mapping[str, Any],
        state: StreamState,
        query: str | None,
        overlap: int,
        read_at: datetime,
    ) -> tuple[tuple[GroupMembers, ...], StreamState]:
        """The members of each collection in ``first`` (and the pages after it) not already
        seen at its ``updatedAt``, and the stream's state once they are settled."""
        conn: Any = first
        nodes: list[Any] = []
        while isinstance(conn, Mapping):
            nodes += conn.get("nodes") or ()
            more, after = next_page(conn)
            if not more:
                break
            data = self.client.run("CollectionChanges", {"query": query, "after": after})
            conn = data.get("collections")
        items: list[tuple[str, str]] = []
        groups: list[GroupMembers] = []
        for node in nodes:
            if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
                continue
            stamp = str(node.get("updatedAt") or "")
            if not stamp or not state.is_new(node["id"], stamp):
                continue
            groups.append(self.members(node["id"]))
            items.append((node["id"], stamp))
        return tuple(groups), state.advanced(items, overlap, read_at)

    def members(self, collection_id: str) -> GroupMembers:
        """Every product in the collection now; none when it was deleted."""
        products: list[str] = []
        key = collection_key({"id": collection_id})
        after: str | None = None
        while True:
            data = self.client.run("CollectionMembers", {"id": collection_id, "after": after})
            node = data.get("collection")
            if not isinstance(node, Mapping):
                break
            key = collection_key(node)
            conn = node.get("products")
            if not isinstance(conn, Mapping):
                break
            products += [
                str(p["id"])
                for p in conn.get("nodes") or ()
                if isinstance(p, Mapping) and isinstance(p.get("id"), str)
            ]
            more, after = next_page(conn)
            if not more:
                break
        return GroupMembers(key, tuple(dict.fromkeys(products)))


def first_streams(at: str) -> dict[str, StreamState]:
    """The collection streams a first sync's cursor starts with (``at``: when it read): its
    products carry their collections, so changes count from then and the first sweep is due
    :data:`SWEEP_EVERY` later."""
    return {"collections": StreamState(at, {}, at), "collections_sweep": StreamState(None, {}, at)}


@dataclass(frozen=True, slots=True)
class CollectionPlan:
    """What one catalog read asks about collections, and the streams it saves after."""

    watch: bool
    """Whether to ask at all (a first sync does not: its products carry their collections)."""
    state: StreamState
    """What the changed collections are compared with: an empty one makes every one changed."""
    query: str | None
    sweep: StreamState
    """The sweep stream to save: ``read_at`` is when every collection was last compared."""


def plan_collections(
    cursor: Cursor, *, first: bool, read_at: datetime, overlap: int
) -> CollectionPlan:
    """The changed collections since the cursor; every collection, when the cursor has no
    collection stream (a version that read none stored the products) or a sweep is due."""
    if first:
        streams = first_streams(iso(read_at))
        return CollectionPlan(False, streams["collections"], None, streams["collections_sweep"])
    stored = cursor.streams.get("collections")
    swept = cursor.streams.get("collections_sweep")
    last = parse_iso(swept.read_at) if swept is not None and swept.read_at else None
    if stored is None or swept is None or last is None or read_at - last >= SWEEP_EVERY:
        return CollectionPlan(True, StreamState(), None, StreamState(None, {}, iso(read_at)))
    return CollectionPlan(True, stored, stored.search(overlap), swept)
