"""First syncs of big shops through a bulk operation, its JSONL streamed line by line.

The query runs with ``groupObjects: true``, so each object's children (lines carrying
``__parentId``) follow it; a parent is complete when the next top-level line arrives, and only one
parent at a time plus one page is held in memory, whatever the shop's size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import requests

from adapters.common import skipped
from adapters.shopify.client import GraphQLClient
from adapters.shopify.collections import first_streams, membership_map
from adapters.shopify.cursor import MAX_SEEN, Cursor, StreamState, iso, parse_iso
from adapters.shopify.documents import document
from adapters.shopify.mapping import metafield_value
from connector.errors import PayloadError, PlatformDetails, PlatformFatal, PlatformRetryable
from connector.http import call_with_retry
from connector.model import Order, Product, SkippedPayload, Variant
from connector.platform import ChangePage, Resource

if TYPE_CHECKING:
    from adapters.shopify.reading import Reader

__all__ = ["BulkReader"]

PAGE = 250
MAX_POLLS = 2000
BUSY_WAITS = (5.0, 10.0, 20.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0)
"""Seconds between tries to start a bulk query while the shop's bulk slots are all taken."""


class BulkReader:
    def __init__(
        self, client: GraphQLClient, session: requests.Session, sleep: Callable[[float], None]
    ) -> None:
        self.client = client
        self.session = session
        self.sleep = sleep

    def first_sync(self, resource: Resource, reader: Reader) -> Iterator[ChangePage]:
        name = "BulkCatalog.bulk" if resource is Resource.PRODUCTS else "BulkOrders.bulk"
        # Our own time before asking, for an answer that names no createdAt (the captured
        # bulkOperationRunMutation and node(id:) answers have none): earlier is the safe side,
        # the next incremental read then reads a little more, never less.
        asked = iso(reader.clock())
        members: dict[str, tuple[str, ...]] = {}
        if resource is Resource.PRODUCTS:
            # Each product's collections first, by a bulk query of their own: under the catalog's
            # variants they would sit two connections below the top one (see docs/shopify.md).
            collections_url, _ = self.run(document("BulkCollections.bulk"))
            members = membership_map(self.stream(collections_url)) if collections_url else {}
        url, created = self.run(document(name))
        started = created or asked
        lines = self.stream(url) if url else iter(())
        if resource is Resource.PRODUCTS:
            yield from self._catalog_pages(lines, reader, started, members, asked)
        else:
            yield from self._order_pages(lines, reader, started)

    def order_changes(
        self, search: str, reader: Reader, known: StreamState
    ) -> Iterator[ChangePage]:
        """Orders matching ``search`` (a big incremental window), those ``known`` has not seen.

        The last page's cursor starts the next read at the operation's start, remembering what
        it and ``known`` read inside the overlap window before it.
        """
        asked = iso(reader.clock())
        query = document("BulkOrderChanges.bulk").replace('"__SEARCH__"', json.dumps(search))
        url, created = self.run(query)
        started = created or asked
        lines = self.stream(url) if url else iter(())
        yield from self._order_pages(lines, reader, started, known)

    def run(self, query: str) -> tuple[str | None, str | None]:
        """Start the bulk query and wait for it.

        Returns (JSONL URL, or None when the result is empty; createdAt, or None when Shopify
        named none).
        """
        operation = self._start(query)
        delay = 0.05
        for _ in range(MAX_POLLS):
            status = (
                self.client.run("BulkStatus", {"id": operation["id"]}).get("bulkOperation")
            ) or {}
            if status.get("status") == "COMPLETED":
                url = status.get("url") or None
                objects = int(status.get("objectCount") or 0)  # UnsignedInt64, sent as a string
                if url is None and objects:
                    # Taking this as an empty shop would end the first sync with nothing read.
                    raise PlatformRetryable(
                        f"bulk operation completed with {objects} objects but no file URL",
                        PlatformDetails("shopify", 200, None, "BULK"),
                    )
                created = operation.get("createdAt") or status.get("createdAt")
                return url, str(created) if created else None
            if status.get("status") in ("FAILED", "CANCELED", "EXPIRED"):
                raise PlatformRetryable(
                    f"bulk operation {status.get('status')}: {status.get('errorCode')}",
                    PlatformDetails("shopify", 200, None, str(status.get("errorCode"))),
                )
            self.client.sleep(delay)
            delay = min(delay * 2, 5.0)
        raise PlatformRetryable("bulk operation did not finish in time", PlatformDetails("shopify"))

    def _start(self, query: str) -> Mapping[str, Any]:
        """The started operation; while the shop's bulk slots are all taken, wait and ask again."""
        for wait in (*BUSY_WAITS, None):
            data = self.client.run("BulkRun", {"query": query})
            result = data.get("bulkOperationRunQuery") or {}
            errors = result.get("userErrors") or []
            operation = result.get("bulkOperation")
            if not errors and isinstance(operation, Mapping):
                return operation
            message = "; ".join(str(e.get("message")) for e in errors) or "no bulk operation"
            details = PlatformDetails("shopify", 200, None, "BULK")
            if not any(_busy(e) for e in errors):
                raise PlatformFatal(f"bulk query refused: {message}", details)
            if wait is None:
                # Our own earlier operations (a crashed cycle's, say) hold every slot: the next
                # cycle tries again, and nothing is lost meanwhile.
                raise PlatformRetryable(f"bulk query not started yet: {message}", details)
            self.client.sleep(wait)
        raise AssertionError("unreachable")  # the loop's last turn returns or raises

    def stream(self, url: str) -> Iterator[Any]:
        answer = call_with_retry(
            lambda: self._get(url), policy=self.client.policy, sleep=self.sleep
        )
        with answer:
            for raw in answer.iter_lines():
                if not raw:
                    continue
                try:
                    yield json.loads(raw)
                except ValueError:
                    yield {"__bad_line__": raw[:200].decode("utf-8", "replace")}

    def _get(self, url: str) -> requests.Response:
        answer = self.session.get(url, stream=True, timeout=self.client.policy.timeout)
        if answer.status_code >= 500 or answer.status_code == 429:
            raise PlatformRetryable(
                "bulk file not ready", PlatformDetails("shopify", answer.status_code)
            )
        if answer.status_code != 200:
            raise PlatformFatal("bulk file refused", PlatformDetails("shopify", answer.status_code))
        return answer

    # ---- catalog -------------------------------------------------------------------------------

    def _catalog_pages(
        self,
        lines: Iterator[Any],
        reader: Reader,
        started: str,
        members: Mapping[str, tuple[str, ...]],
        collections_from: str,
    ) -> Iterator[ChangePage]:
        """Variants (each with its product inline and its levels as child lines) into pages.

        A product is handed out with the first of its variants, with its collections from
        ``members``; only its id and tags are kept after, for its later variants (a few dozen
        bytes a product). Collections changed after ``collections_from`` are checked next read.
        """
        products: list[Product] = []
        variants: list[Variant] = []
        skips: list[SkippedPayload] = []
        seen: dict[str, frozenset[str] | None] = {}
        pool: dict[frozenset[str], frozenset[str]] = {}
        current: Mapping[str, Any] | None = None
        levels: list[Any] = []
        by_item: dict[str, list[Any]] = {}

        def flush_variant() -> None:
            if current is None:
                return
            node = current.get("product")
            product_id = str(node.get("id")) if isinstance(node, Mapping) else ""
            if not isinstance(node, Mapping) or not product_id:
                skips.append(
                    skipped(reader.shop.name, "variant", current, PayloadError("no product"))
                )
                return
            if product_id not in seen:
                mapped = reader.product(node, skips)
                if mapped is not None and product_id in members:
                    mapped = replace(mapped, collections=members[product_id])
                # Products share a few tag sets: keep one copy of each.
                seen[product_id] = pool.setdefault(mapped.tags, mapped.tags) if mapped else None
                if mapped is not None:
                    products.append(mapped)
            tags = seen[product_id]
            if tags is None:
                return  # nothing of a product that does not map is kept
            variant = reader.variant(
                current,
                skips,
                product_id=product_id,
                product_tags=tags,
                levels=levels,
                product_release=metafield_value(node, "releaseDate"),
            )
            if variant is not None:
                variants.append(variant)

        recent = _Recent(started, reader.shop.overlap_seconds)
        for line in lines:
            problem = _line_problem(line)
            if problem is not None:
                skips.append(skipped(reader.shop.name, "bulk", line, problem))
                continue
            parent = line.get("__parentId")
            if parent is None:
                flush_variant()
                if len(variants) >= PAGE:
                    recent("products", products)
                    recent("variants", variants)
                    yield ChangePage(
                        Resource.PRODUCTS,
                        products=tuple(products),
                        variants=tuple(variants),
                        skipped=tuple(skips),
                    )
                    products, variants, skips = [], [], []
                current, levels = line, []
                # Levels hang off the variant, or off its inventory item (a nested object).
                item = (line.get("inventoryItem") or {}).get("id")
                by_item = {str(line.get("id")): levels}
                if item:
                    by_item[str(item)] = levels
            elif parent in by_item:
                by_item[parent].append(line)
            else:
                skips.append(
                    skipped(
                        reader.shop.name,
                        "bulk",
                        line,
                        PayloadError(f"orphan line, parent {parent} not seen"),
                    )
                )
        flush_variant()
        cursor = Cursor(
            {
                "products": StreamState(started, recent("products", products), started),
                "variants": StreamState(started, recent("variants", variants), started),
                **first_streams(collections_from),
            }
        )
        yield ChangePage(
            Resource.PRODUCTS,
            products=tuple(products),
            variants=tuple(variants),
            skipped=tuple(skips),
            cursor=cursor.encode(),
        )

    # ---- orders -----------------------------------------------------------------------------------

    def _order_pages(
        self,
        lines: Iterator[Any],
        reader: Reader,
        started: str,
        known: StreamState | None = None,
    ) -> Iterator[ChangePage]:
        nodes: list[dict[str, Any]] = []
        children: dict[str, list[Any]] = {}
        bad: list[SkippedPayload] = []

        recent = _Recent(started, reader.shop.overlap_seconds)
        if known is not None:
            # What the read before this one saw near the operation's start stays known.
            recent(
                "orders",
                [],
                {k: v for k, v in known.seen.items() if parse_iso(v) >= recent.floor},
            )

        def page(final: bool) -> ChangePage:
            orders: list[Order]
            fresh = [
                n
                for n in nodes
                if known is None or known.is_new(str(n.get("id")), str(n.get("updatedAt", "")))
            ]
            orders, skips = reader.map_orders(fresh, children)
            seen = recent("orders", orders)
            since = started
            if known is not None and known.since and parse_iso(known.since) > parse_iso(since):
                since = known.since  # our clock behind Shopify's: never step back
            cursor = (
                Cursor({"orders": StreamState(since, seen, started)}).encode() if final else None
            )
            return ChangePage(
                Resource.ORDERS, orders=tuple(orders), skipped=tuple(bad + skips), cursor=cursor
            )

        for line in lines:
            problem = _line_problem(line)
            if problem is not None:
                bad.append(skipped(reader.shop.name, "bulk", line, problem))
                continue
            parent = line.get("__parentId")
            if parent is None:
                if len(nodes) >= PAGE:
                    yield page(final=False)
                    nodes, children, bad = [], {}, []
                nodes.append(dict(line))
                children[str(line.get("id"))] = []
            elif parent in children:
                if str(line.get("id", "")).startswith("gid://shopify/FulfillmentOrder/"):
                    # A fulfillment order's status, beside the lines (BulkOrderChanges): whether
                    # a hold of ours may be there, as a paged read tells.
                    owner = next(n for n in reversed(nodes) if str(n.get("id")) == parent)
                    fos = owner.setdefault("fulfillmentOrders", {"nodes": []})
                    fos["nodes"].append(line)
                else:
                    children[parent].append(line)
            else:
                bad.append(
                    skipped(
                        reader.shop.name,
                        "bulk",
                        line,
                        PayloadError(f"orphan line, parent {parent} not seen"),
                    )
                )
        yield page(final=True)


def _busy(error: Any) -> bool:
    """Whether a userError says other bulk operations are still running (start again later)."""
    if not isinstance(error, Mapping):
        return False
    message = str(error.get("message") or "").lower()
    return error.get("code") == "OPERATION_IN_PROGRESS" or "already in progress" in message


def _line_problem(line: Any) -> PayloadError | None:
    """Why a JSONL line cannot be read as an object, or None when it can.

    A line may be unparseable, not an object, or carry GraphQL ``errors`` (Shopify writes a failed
    line's errors into the file with ``__lineNumber``): each is kept with Shopify's own words.
    """
    if not isinstance(line, Mapping):
        return PayloadError("JSONL line is not an object")
    if "__bad_line__" in line:
        return PayloadError("unreadable JSONL line")
    errors = line.get("errors")
    if errors:
        words = "; ".join(str(e.get("message") if isinstance(e, Mapping) else e) for e in errors)
        return PayloadError(f"line {line.get('__lineNumber', '?')} has errors: {words}")
    return None


class _Recent:
    """Objects a bulk snapshot read inside the overlap window before it started.

    They go into the cursor's ``seen``, so the first incremental read after the snapshot (which
    reads that window again) does not hand them out a second time.
    """

    def __init__(self, started: str, overlap: int) -> None:
        self.floor = parse_iso(started) - timedelta(seconds=overlap)
        self.seen: dict[str, dict[str, str]] = {}

    def __call__(
        self,
        kind: str,
        objects: Sequence[Product | Variant | Order],
        stamps: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """Record ``objects`` that changed inside the window (and ``stamps``, id -> updatedAt,
        known already); returns all recorded of ``kind``."""
        bucket = self.seen.setdefault(kind, {})
        for platform_id, stamp in (stamps or {}).items():
            if len(bucket) < MAX_SEEN:
                bucket[platform_id] = stamp
        for item in objects:
            if item.updated_at >= self.floor and len(bucket) < MAX_SEEN:
                bucket[item.platform_id] = iso(item.updated_at)
        return dict(bucket)
