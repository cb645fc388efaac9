"""Reading changes: incremental pages by ``updated_at``, and bulk operations for big first syncs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from adapters.common import skipped
from adapters.shopify.bulk import BulkReader
from adapters.shopify.client import GraphQLClient, QueryTooCostly
from adapters.shopify.collections import CHANGED_FIRST, CollectionReader, plan_collections
from adapters.shopify.cursor import Cursor, StreamState
from adapters.shopify.fulfillment import IDS_PER_CALL, whole_fulfillment
from adapters.shopify.fulfillment import next_page as _next
from adapters.shopify.levels import LevelReader
from adapters.shopify.mapping import (
    holds_ours,
    map_order,
    map_product,
    map_variant,
    our_held_lines,
)
from adapters.shopify.order_changes import OrderChanges
from adapters.shopify.order_numbers import NAMES_PER_CALL, name_key, name_keys, name_query
from adapters.shopify.refunds import read_refunds
from adapters.shopify.sizing import Sizer
from connector.clock import Clock
from connector.errors import PayloadError
from connector.model import Order, Product, SkippedPayload, Variant
from connector.platform import ChangePage, GroupMembers, Resource
from connector.settings import ShopSettings

__all__ = ["Reader", "Sizer"]


class Reader:
    def __init__(
        self, shop: ShopSettings, client: GraphQLClient, bulk: BulkReader, clock: Clock
    ) -> None:
        self.shop = shop
        self.clock = clock
        self.client = client
        self.bulk = bulk
        self.levels = LevelReader(client)
        self.collections = CollectionReader(client)
        # Page sizes per combination of streams: both share one call's budget; alone, each has it
        # all. A product asks about 14 points with its first ten collections.
        self.catalog_sizers = {
            (True, True): Sizer(client, (20, 32)),
            (True, False): Sizer(client, (60, 1)),
            # A variant with 5 stock levels asks about 19 points: 47 stay under 90% of 1000.
            (False, True): Sizer(client, (1, 47)),
        }
        # An order costs about 39 points (5 lines, 5 fulfillment orders, the money refunded): 23
        # stay under 90% of 1000.
        self.order_sizer = Sizer(client, (23,))
        self.order_changes = OrderChanges(self)
        # 50 lines cost about 250 points: three orders' lines stay well under one call's 1000.
        self.long_order_batch = 3

    # ---- helpers ---------------------------------------------------------------------------------

    def sized(
        self,
        name: str,
        sizer: Sizer,
        variables: Callable[[tuple[int, ...]], dict[str, Any]],
        tag: str = "",
    ) -> dict[str, Any]:
        """Run ``name`` at the sizer's page sizes, shrinking them when Shopify says it costs too much.

        ``tag`` names what else sets the cost (the levels a variant read asks for), for pacing.
        """
        for _ in range(12):
            sizes = sizer.sizes()
            key = f"{name}:{':'.join(map(str, sizes))}{tag}"
            try:
                data = self.client.run(name, variables(sizes), key=key)
            except QueryTooCostly as error:
                sizer.too_costly(error.cost or int(self.client.cap * 2))
                continue
            sizer.learn(self.client.last_requested.get(key))
            return data
        raise PayloadError(f"{name}: no page size fits Shopify's cost limit")

    def variant(
        self, node: Mapping[str, Any], skips: list[SkippedPayload], **kw: Any
    ) -> Variant | None:
        try:
            return map_variant(self.shop.name, node, self.shop.currency, **kw)
        except PayloadError as error:
            skips.append(skipped(self.shop.name, "variant", node, error))
            return None

    def product(self, node: Mapping[str, Any], skips: list[SkippedPayload]) -> Product | None:
        try:
            return map_product(self.shop.name, self.collections.complete(node))
        except PayloadError as error:
            skips.append(skipped(self.shop.name, "product", node, error))
            return None

    def catalog_entry(
        self,
        node: Mapping[str, Any],
        variant_nodes: Iterable[tuple[Any, Iterable[Mapping[str, Any]] | None]],
        skips: list[SkippedPayload],
        *,
        product_release: str | None = None,
    ) -> tuple[Product | None, list[Variant]]:
        """A product node and its variants; each variant node comes with its stock levels, or
        None when they sit inside it. Nothing of a product that does not map is kept."""
        product = self.product(node, skips)
        if product is None:
            return None, []
        variants: list[Variant] = []
        pairs = list(variant_nodes)
        # Levels inside a variant node may be a first page only: complete those, all at once.
        completed = iter(self.levels.complete([n for n, given in pairs if given is None]))
        for variant_node, given in pairs:
            levels = given if given is not None else next(completed)[1]
            variant = self.variant(
                variant_node,
                skips,
                product_id=product.platform_id,
                product_tags=product.tags,
                levels=levels,
                product_release=product_release,
            )
            if variant is not None:
                variants.append(variant)
        return product, variants

    # ---- entry -------------------------------------------------------------------------------------

    def read_changes(self, resource: Resource, cursor_text: str | None) -> Iterator[ChangePage]:
        cursor = Cursor.decode(cursor_text)
        if cursor is None and self._big(resource):
            yield from self.bulk.first_sync(resource, self)
            return
        if resource is Resource.PRODUCTS:
            yield from self._catalog(cursor or Cursor(), first=cursor is None)
        else:
            yield from self.order_changes.read(cursor or Cursor())

    def _big(self, resource: Resource) -> bool:
        limit = self.shop.bulk_threshold + 1
        data = self.client.run("Counts", {"limit": limit})
        key = "productVariantsCount" if resource is Resource.PRODUCTS else "ordersCount"
        return int((data.get(key) or {}).get("count") or 0) > self.shop.bulk_threshold

    # ---- catalog -------------------------------------------------------------------------------

    def _catalog(self, cursor: Cursor, *, first: bool) -> Iterator[ChangePage]:
        overlap = self.shop.overlap_seconds
        read_at = self.clock()
        products_state, variants_state = cursor.get("products"), cursor.get("variants")
        product_query, variant_query = (
            products_state.search(overlap),
            variants_state.search(overlap),
        )
        # Collections changed since the cursor ride along in the first request; every one of
        # them now and then (see adapters.shopify.collections).
        collections = plan_collections(cursor, first=first, read_at=read_at, overlap=overlap)
        collections_state = collections.state
        after: dict[str, str | None] = {"products": None, "variants": None}
        going = {"products": True, "variants": True, "collections": collections.watch}
        variant_items: list[tuple[str, str]] = []
        final_variants: StreamState | None = None
        while going["products"] or going["variants"]:
            data = self.sized(
                "CatalogChanges",
                self.catalog_sizers[(going["products"], going["variants"])],
                lambda sizes: {
                    "withProducts": going["products"],
                    "withVariants": going["variants"],
                    "productFirst": sizes[0],
                    "variantFirst": sizes[1],
                    "productAfter": after["products"],
                    "variantAfter": after["variants"],
                    "productQuery": product_query,
                    "variantQuery": variant_query,
                    "levelFirst": self.levels.first,
                    "withCollections": going["collections"],
                    "collectionQuery": collections.query,
                },
                tag=f":levels={self.levels.first}"
                + (f":c{CHANGED_FIRST}" if going["collections"] else ""),
            )
            memberships: tuple[GroupMembers, ...] = ()
            if going["collections"]:
                memberships, collections_state = self.collections.changed(
                    data.get("collections") or {},
                    collections_state,
                    collections.query,
                    overlap,
                    read_at,
                )
                going["collections"] = False
            skips: list[SkippedPayload] = []
            products: list[Product] = []
            variants: list[Variant] = []
            if going["products"]:
                conn = data.get("products") or {}
                page_items = []
                for node in conn.get("nodes") or ():
                    stamp = str(node.get("updatedAt", "")) if isinstance(node, Mapping) else ""
                    if isinstance(node, Mapping) and not products_state.is_new(
                        str(node.get("id")), stamp
                    ):
                        continue
                    product = self.product(node, skips)
                    if product is not None:
                        products.append(product)
                        page_items.append((product.platform_id, stamp))
                products_state = products_state.advanced(page_items, overlap, read_at)
                going["products"], after["products"] = _next(conn)
            if going["variants"]:
                conn = data.get("productVariants") or {}
                fresh = [
                    node
                    for node in conn.get("nodes") or ()
                    if not isinstance(node, Mapping)
                    or variants_state.is_new(str(node.get("id")), str(node.get("updatedAt", "")))
                ]
                for node, levels in self.levels.complete(fresh):
                    stamp = str(node.get("updatedAt", "")) if isinstance(node, Mapping) else ""
                    variant = self.variant(node, skips, levels=levels)
                    if variant is not None:
                        variants.append(variant)
                        variant_items.append((variant.platform_id, stamp))
                going["variants"], after["variants"] = _next(conn)
                if not going["variants"]:
                    # Variants come sorted by id, not by time: the cursor moves only at the end.
                    final_variants = variants_state.advanced(variant_items, overlap, read_at)
            state = Cursor(
                {
                    "products": products_state,
                    "variants": final_variants or variants_state,
                    "collections": collections_state,
                    "collections_sweep": collections.sweep,
                }
            )
            yield ChangePage(
                Resource.PRODUCTS,
                products=tuple(products),
                variants=tuple(variants),
                skipped=tuple(skips),
                cursor=state.encode(),
                memberships=memberships,
            )

    # ---- orders ----------------------------------------------------------------------------------

    def orders_by_name(self, numbers: Sequence[str]) -> tuple[list[Order], list[SkippedPayload]]:
        """Orders whose name is one of ``numbers`` (``1001`` or ``#1001``); unknown ones are absent."""
        nodes: dict[str, Any] = {}
        keys = name_keys(numbers)
        for start in range(0, len(keys), NAMES_PER_CALL):
            batch = set(keys[start : start + NAMES_PER_CALL])
            query = name_query(keys[start : start + NAMES_PER_CALL])
            found: set[str] = set()
            after: str | None = None
            while True:

                def variables(
                    sizes: tuple[int, ...], after: str | None = after, query: str = query
                ) -> dict[str, Any]:
                    return {"first": sizes[0], "after": after, "query": query}

                conn = self.sized("OrdersByName", self.order_sizer, variables).get("orders") or {}
                for node in conn.get("nodes") or ():
                    if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
                        nodes[f"junk:{len(nodes)}"] = node  # recorded as skipped below
                        continue
                    key = name_key(str(node.get("name") or ""))
                    if key in batch:
                        nodes[node["id"]] = node
                        found.add(key)
                more, after = _next(conn)
                # Names are unique in a shop: once all are found, further pages hold none of them.
                if not more or found >= batch:
                    break
        return self.map_orders(list(nodes.values()))

    def map_orders(
        self, nodes: Sequence[Any], extra_lines: Mapping[str, list[Any]] | None = None
    ) -> tuple[list[Order], list[SkippedPayload]]:
        """Orders from nodes, completing long line lists, marking lines under our holds and
        reading the refunds of orders where money was refunded."""
        skips: list[SkippedPayload] = []
        good = [n for n in nodes if isinstance(n, Mapping) and isinstance(n.get("id"), str)]
        skips += [
            skipped(self.shop.name, "order", n, PayloadError("order without id"))
            for n in nodes
            if n not in good
        ]
        held = self.held_lines([str(n["id"]) for n in good if _may_hold(n)])
        long_lines = self._long_lines(
            [n for n in good if not (extra_lines and n["id"] in extra_lines)]
        )
        refunds = read_refunds(self.client, good)
        orders: list[Order] = []
        for node in good:
            try:
                lines = (
                    list(extra_lines[node["id"]])
                    if extra_lines and node["id"] in extra_lines
                    else long_lines.get(node["id"])
                    or list(((node.get("lineItems") or {}).get("nodes")) or ())
                )
                orders.append(
                    map_order(
                        self.shop.name,
                        node,
                        lines=lines,
                        held_lines=held,
                        refunds=refunds.get(node["id"]),
                    )
                )
            except PayloadError as error:
                skips.append(skipped(self.shop.name, "order", node, error))
        return orders, skips

    def _long_lines(self, nodes: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
        """All lines of the orders whose first page of lines was not all, a few orders a call."""
        long_ids = [str(n["id"]) for n in nodes if _next(n.get("lineItems") or {})[0]]
        found: dict[str, list[Any]] = {}
        for start in range(0, len(long_ids), self.long_order_batch):
            batch = long_ids[start : start + self.long_order_batch]
            data = self.client.run(
                "LongOrderLines", {"ids": batch}, key=f"LongOrderLines:{len(batch)}"
            )
            for node in data.get("nodes") or ():
                if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                    found[node["id"]] = self._rest_of_lines(node)
        return found

    def _rest_of_lines(self, node: Mapping[str, Any]) -> list[Any]:
        conn = node.get("lineItems") or {}
        lines = list(conn.get("nodes") or ())
        more, after = _next(conn)
        while more:
            data = self.client.run("OrderLines", {"id": node["id"], "after": after})
            conn = ((data.get("order") or {}).get("lineItems")) or {}
            lines += conn.get("nodes") or ()
            more, after = _next(conn)
        return lines

    def held_lines(self, order_ids: Sequence[str]) -> set[str]:
        """Ids of the lines of ``order_ids`` that a hold of ours covers, on any fulfillment order."""
        held: set[str] = set()
        for start in range(0, len(order_ids), IDS_PER_CALL):
            batch = list(order_ids[start : start + IDS_PER_CALL])
            data = self.client.run(
                "OrderFulfillment", {"ids": batch}, key=f"OrderFulfillment:{len(batch)}"
            )
            for node in data.get("nodes") or ():
                if isinstance(node, Mapping):
                    # A hold of ours may sit on a later fulfillment order or past a first page
                    # of lines; unseen, the engine would plan it again every cycle.
                    held |= our_held_lines(whole_fulfillment(self.client, node, holds_ours))
        return held


def _may_hold(node: Mapping[str, Any]) -> bool:
    """Whether ``node`` may carry a hold of ours, so its fulfillment orders are worth a call."""
    if node.get("cancelledAt"):
        return False
    if node.get("displayFulfillmentStatus") == "ON_HOLD":
        return True
    # ON_HOLD means every unfulfilled item is held; ours holds only the backordered lines, so a
    # mixed order reads UNFULFILLED and only its fulfillment orders show the hold. Bulk nodes
    # lack them and keep the rule above: a bulk first sync runs before any hold of ours.
    fos = node.get("fulfillmentOrders")
    if not isinstance(fos, Mapping):
        return False
    page = fos.get("pageInfo")
    if isinstance(page, Mapping) and page.get("hasNextPage"):
        return True  # a sixth or later fulfillment order may be the held one
    return any(
        isinstance(fo, Mapping) and fo.get("status") == "ON_HOLD" for fo in fos.get("nodes") or ()
    )
