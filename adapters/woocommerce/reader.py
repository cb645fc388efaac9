"""Incremental reads: ``modified_after`` windows in ``orderby=modified`` order, pages built by us.

Why it is built this way (PLATFORMS.md, "Seen on a real WooCommerce 7.9 store"):

* ``modified_after`` is exclusive and same-second ties happen, so each request starts one second
  before the newest time already read, and rows are de-duplicated on (id, ``date_modified_gmt``);
* page numbers shift when rows change during paging, and under OAuth the ``Link`` header is
  unusable verbatim, so the next request is a new window (``page`` only grows while a whole page
  shares one second);
* the cursor keeps the watermark and the (id, modified) pairs inside the overlap window, so a cycle
  with no change reads one list page per resource and fetches no variations;
* ``date_modified_gmt`` has one-second steps: a row read while its second was still running can
  change again without a new date. Such a row stays *hot* in the cursor with a fingerprint of its
  content (a variable product's includes its variations) and is compared again on the next read;
  it settles once read after its second had passed, by the store's clock (the ``Date`` header,
  less the time the answer took).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from adapters.common import parse_time, skipped
from adapters.woocommerce.client import PER_PAGE, WooClient, WooResponse
from adapters.woocommerce.customer_tags import tag_customers
from adapters.woocommerce.mapping import (
    map_order,
    map_product,
    map_variation,
    refunded_money,
    refunded_units,
)
from adapters.woocommerce.order_numbers import order_rows_by_number
from adapters.woocommerce.variations import Variations, variable_ids
from connector.errors import PayloadError, PlatformItemError
from connector.model import Order, Product, SkippedPayload, Variant
from connector.platform import ChangePage, Resource, ResyncTarget

__all__ = ["Cursor", "Reader"]

_FMT = "%Y-%m-%dT%H:%M:%S"
_CLOCK_SLACK = 1
"""Seconds between the web server's ``Date`` and the clock PHP stamps rows with (a proxy's Date)."""


@dataclass
class Cursor:
    """Watermark (newest ``date_modified_gmt`` read, epoch seconds), the pairs seen near it, and
    the fingerprints of rows read while their second was still running (``hot``)."""

    watermark: int | None = None
    seen: dict[str, int] = field(default_factory=dict)
    hot: dict[str, str] = field(default_factory=dict)
    settled: int | None = None
    """The store's second (its ``Date``, less the answer's time and slack) when the last whole
    read began. The overlap window guards rows that become visible up to ``overlap`` seconds after
    their date; it is counted back from this second when that is later than the newest row, so a
    quiet shop stops re-listing the window behind its last change once the store's clock is past
    it (it re-listed it every cycle: 23 product pages on the 30k-order sandbox shop)."""

    def floor(self, overlap: int) -> int | None:
        """The ``modified_after`` of the next read (exclusive), None for a first read."""
        if self.watermark is None:
            return None
        after = self.watermark - overlap
        if self.settled is not None:
            # Hot rows were read in or after their page's settled second: never below this.
            after = max(after, self.settled - overlap)
        return after

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            seen = {str(k): int(v) for k, v in data.get("s", {}).items()}
            hot = {str(k): str(v) for k, v in data.get("h", {}).items()}
            settled = data.get("t")
            return cls(int(data["w"]), seen, hot, int(settled) if settled is not None else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()  # an unreadable cursor means a full re-read, never a crash

    def dump(self, overlap: int) -> str:
        if self.watermark is None:
            return json.dumps({"w": 0, "s": {}})
        floor = self.watermark - overlap
        seen = {k: v for k, v in self.seen.items() if v >= floor}
        text: dict[str, Any] = {"w": self.watermark, "s": seen}
        hot = {k: v for k, v in self.hot.items() if k in seen}
        if hot:
            text["h"] = hot
        if self.settled is not None:
            text["t"] = self.settled
        return json.dumps(text, sort_keys=True)

    def is_new(self, row_id: str, modified: int) -> bool:
        return self.seen.get(row_id) != modified

    def wants(self, row_id: str, modified: int) -> bool:
        """Read this row: it is new, or it was read while it could still change unseen."""
        return self.is_new(row_id, modified) or row_id in self.hot

    def unchanged(self, row_id: str, modified: int, fingerprint: str) -> bool:
        """A row read again only to compare, whose content is what was read last time."""
        return not self.is_new(row_id, modified) and self.hot.get(row_id) == fingerprint

    def mark(self, row_id: str, modified: int, hot_fingerprint: str | None = None) -> None:
        self.seen[row_id] = modified
        if hot_fingerprint is None:
            self.hot.pop(row_id, None)
        else:
            self.hot[row_id] = hot_fingerprint
        if self.watermark is None or modified > self.watermark:
            self.watermark = modified


def fingerprint(*parts: Any) -> str:
    """A short digest of rows' content, to tell a same-second change from a re-read."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def settled_before(answer: WooResponse) -> int | None:
    """Rows modified before this second (epoch) cannot have changed since without a new date:
    the store's time when the request reached it. None when the store sent no usable ``Date``."""
    try:
        moment = parsedate_to_datetime(answer.headers.get("Date") or "")
    except (TypeError, ValueError, IndexError):
        return None
    return int(moment.timestamp()) - math.ceil(answer.elapsed) - _CLOCK_SLACK


def _epoch(payload: Mapping[str, Any]) -> int:
    return int(parse_time(payload.get("date_modified_gmt")).timestamp())


def _stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(_FMT)


class Reader:
    """Reads products (with variations) and orders into the model."""

    def __init__(self, client: WooClient, shop: str, currency: str, overlap: int) -> None:
        self.client = client
        self.shop = shop
        self.currency = currency
        self.overlap = overlap
        self.read_customers = True
        self.children = Variations(client)
        """Variations of variable products: across parents where the store can (10.3+)."""
        """False when no policy ranks by customer role or meta: the customer reads are skipped."""

    # --- listing --------------------------------------------------------------------------------
    def _windows(
        self, path: str, cursor: Cursor, extra: Mapping[str, Any]
    ) -> Iterator[tuple[list[Mapping[str, Any]], int | None]]:
        """Pages of rows not seen before (or hot), oldest change first, each with the second
        before which its rows had settled (:func:`settled_before`)."""
        after = cursor.floor(self.overlap)
        page = 1
        first = True
        began: int | None = None  # settled second of the read's first page
        while True:
            params: dict[str, Any] = {
                "per_page": PER_PAGE,
                "orderby": "modified",
                "order": "asc",
                "dates_are_gmt": "true",
                "page": page,
                **extra,
            }
            if after is not None:
                params["modified_after"] = _stamp(after)
            answer = self.client.get(path, params)
            rows = answer.body
            if not isinstance(rows, list):
                raise PayloadError(f"{path}: expected a list, got {type(rows).__name__}")
            fresh = []
            newest = after
            for row in rows:
                try:
                    key, modified = str(row["id"]), _epoch(row)
                except (KeyError, TypeError, PayloadError):
                    fresh.append(row)  # the mapper records why it does not fit
                    continue
                newest = modified if newest is None else max(newest, modified)
                if cursor.wants(key, modified):
                    fresh.append(row)
            settled = settled_before(answer)
            if first:
                first, began = False, settled
                if cursor.settled is not None and (began is None or began < cursor.settled):
                    # The store's clock is behind the last read's (moved back, or no Date):
                    # rows may carry dates before that floor; list the overlap window again.
                    cursor.settled = None
                    after = cursor.floor(self.overlap)
                    continue
            last = len(rows) < PER_PAGE
            if last:
                # The read is whole only now: a cursor saved after an earlier page must still
                # reach back to the rows of the pages not read yet.
                cursor.settled = None if began is None else max(began, cursor.settled or began)
            yield fresh, settled
            if last:
                return
            if newest is not None and (after is None or newest - 1 > after):
                after, page = newest - 1, 1  # a new window just before the newest second read
            else:
                page += 1  # a whole page shares one second: only then move by page number

    def read(self, resource: Resource, cursor_text: str | None) -> Iterator[ChangePage]:
        cursor = Cursor.load(cursor_text)
        any_page = False
        if resource is Resource.PRODUCTS:
            for rows, settled in self._windows("products", cursor, {}):
                page = self._product_page(rows, cursor, settled)
                any_page = True
                yield page
        else:
            for rows, settled in self._windows("orders", cursor, {}):
                orders, skips = self.map_orders(rows, cursor, settled)
                any_page = True
                yield ChangePage(
                    resource, orders=orders, skipped=skips, cursor=cursor.dump(self.overlap)
                )
        if not any_page:
            yield ChangePage(resource, cursor=cursor.dump(self.overlap))

    # --- products -------------------------------------------------------------------------------
    def variations(self, product_id: int) -> list[Mapping[str, Any]]:
        """Every variation of one parent (see :class:`~adapters.woocommerce.variations.Variations`)."""
        return self.children.of_parent(product_id)

    def _product_page(
        self, rows: list[Mapping[str, Any]], cursor: Cursor | None, settled: int | None = None
    ) -> ChangePage:
        products: list[Product] = []
        variants: list[Variant] = []
        skips: list[SkippedPayload] = []
        across = self.children.of_parents(variable_ids(rows))
        for row in rows:
            marked = False
            try:
                product = map_product(self.shop, row)
                children: Sequence[Mapping[str, Any]] = ()
                if row.get("type") == "variable":
                    children = across.get(int(row["id"])) or ()
                    if not children and row.get("variations", True):
                        # Not read across (an older store), or its variations went missing
                        # since the listing: per parent, whose 404 skips the product.
                        children = self.variations(int(row["id"]))
                if cursor is not None:
                    marked = True
                    if self._mark(cursor, row, settled, children):
                        continue  # read again only to compare: nothing changed
                if row.get("type") == "variable":
                    for variation in children:
                        try:
                            variants.append(map_variation(self.shop, variation, row, self.currency))
                        except PayloadError as error:
                            skips.append(skipped(self.shop, "variation", variation, str(error)))
                else:
                    variants.append(map_variation(self.shop, row, row, self.currency))
                products.append(product)
            except (PayloadError, PlatformItemError) as error:
                # PlatformItemError: its variations could not be read (a 404 mid-sync, say).
                skips.append(skipped(self.shop, "product", row, str(error)))
                if cursor is not None and not marked:
                    self._mark(cursor, row, settled)
        return ChangePage(
            Resource.PRODUCTS,
            products=tuple(products),
            variants=tuple(variants),
            skipped=tuple(skips),
            cursor=cursor.dump(self.overlap) if cursor is not None else None,
        )

    @staticmethod
    def _mark(
        cursor: Cursor,
        row: Mapping[str, Any],
        settled: int | None,
        children: Sequence[Mapping[str, Any]] = (),
    ) -> bool:
        """Record ``row`` as read; True when it was read again only to compare and is unchanged.

        A row without id or date is recorded as skipped; it cannot move the watermark.
        """
        try:
            key, modified = str(row["id"]), _epoch(row)
        except (KeyError, TypeError, PayloadError):
            return False
        still_running = settled is None or modified >= settled
        # The digest (a JSON dump of the row) is the client's dearest step per row; only a row
        # read while its second ran, or one kept hot from before, needs it.
        digest = fingerprint(row, children) if still_running or key in cursor.hot else None
        unchanged = digest is not None and cursor.unchanged(key, modified, digest)
        cursor.mark(key, modified, digest if still_running else None)
        return unchanged

    def map_orders(
        self, rows: list[Mapping[str, Any]], cursor: Cursor | None, settled: int | None = None
    ) -> tuple[tuple[Order, ...], tuple[SkippedPayload, ...]]:
        orders: list[Order] = []
        skips: list[SkippedPayload] = []
        for row in rows:
            if cursor is not None and self._mark(cursor, row, settled):
                continue  # read again only to compare: nothing changed
            try:
                orders.append(map_order(self.shop, row, *self._refunded(row)))
            except PayloadError as error:
                skips.append(skipped(self.shop, "order", row, str(error)))
        if self.read_customers:
            orders = tag_customers(self.client, orders)
        return tuple(orders), tuple(skips)

    def _refunded(
        self, row: Mapping[str, Any]
    ) -> tuple[dict[str, int] | None, dict[str, Decimal] | None]:
        """Refunded units and money per line: one more request, only for an order that lists
        refunds."""
        if not row.get("refunds") or not str(row.get("id", "")).isdigit():
            return None, None
        answer = self.client.get(f"orders/{row['id']}/refunds", {"per_page": PER_PAGE})
        return refunded_units(answer.body), refunded_money(answer.body)

    # --- targeted re-reads ----------------------------------------------------------------------
    def _include(self, path: str, ids: list[str]) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = []
        numeric = sorted({int(i) for i in ids if str(i).isdigit()})
        for start in range(0, len(numeric), PER_PAGE):
            chunk = numeric[start : start + PER_PAGE]
            answer = self.client.get(
                path,
                {"include": ",".join(map(str, chunk)), "per_page": PER_PAGE, "orderby": "id"},
            )
            rows.extend(answer.body if isinstance(answer.body, list) else [])
        return rows

    def products_by_id(self, ids: list[str]) -> list[Mapping[str, Any]]:
        return self._include("products", ids)

    def orders_by_id(self, ids: list[str]) -> list[Mapping[str, Any]]:
        return self._include("orders", ids)

    def _ids_for_skus(self, skus: list[str]) -> list[str]:
        """The products selling ``skus``: ``/products?sku=`` answers variations too (their
        ``parent_id`` set), and a variation is re-read through its parent with its siblings."""
        ids: list[str] = []
        for start in range(0, len(skus), PER_PAGE):
            answer = self.client.get(
                "products", {"sku": ",".join(skus[start : start + PER_PAGE]), "per_page": PER_PAGE}
            )
            for row in answer.body if isinstance(answer.body, list) else ():
                if not isinstance(row, Mapping) or "id" not in row:
                    continue
                parent = row.get("parent_id")
                ids.append(str(parent) if parent else str(row["id"]))
        return ids

    def fetch(self, target: ResyncTarget, everything: Callable[[], ChangePage]) -> ChangePage:
        if target.everything:
            return everything()
        product_ids = list(target.product_ids)
        if target.skus:
            product_ids += self._ids_for_skus(sorted(set(target.skus)))
        products = self.products_by_id(product_ids) if product_ids else []
        found = {str(row.get("id")) for row in products}
        deleted = tuple(sorted(set(product_ids) - found))
        live = [row for row in products if row.get("status") != "trash"]
        trashed = tuple(str(row.get("id")) for row in products if row.get("status") == "trash")
        page = self._product_page(live, None)
        orders, order_skips = (
            self.map_orders(self.orders_by_id(list(target.order_ids)), None)
            if target.order_ids
            else ((), ())
        )
        if target.order_numbers:
            rows = order_rows_by_number(self.client, target.order_numbers, self.orders_by_id)
            known = {o.platform_id for o in orders}
            by_number, bad = self.map_orders(
                [row for row in rows if str(row.get("id")) not in known], None
            )
            orders, order_skips = orders + by_number, order_skips + bad
        wants_orders = bool(target.order_ids or target.order_numbers)
        return ChangePage(
            Resource.ORDERS if wants_orders and not product_ids else Resource.PRODUCTS,
            products=page.products,
            variants=page.variants,
            orders=orders,
            deleted_product_ids=deleted + trashed,
            skipped=page.skipped + order_skips,
        )
