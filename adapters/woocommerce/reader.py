"""Incremental reads: ``modified_after`` windows in ``orderby=modified`` order, pages built by us.

Why it is built this way (PLATFORMS.md, "Seen on a real WooCommerce 7.9 store"):

* ``modified_after`` is exclusive and same-second ties happen, so each request starts one second
  before the newest time already read, and rows are de-duplicated on (id, ``date_modified_gmt``);
* page numbers shift when rows change during paging, and under OAuth the ``Link`` header is
  unusable verbatim, so the next request is a new window (``page`` only grows while a whole page
  shares one second);
* the cursor keeps the watermark and the (id, modified) pairs inside the overlap window, so a cycle
  with no change reads one list page per resource and fetches no variations.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.common import parse_time, skipped
from adapters.woocommerce.client import PER_PAGE, WooClient
from adapters.woocommerce.mapping import map_order, map_product, map_variation, refunded_units
from adapters.woocommerce.order_numbers import order_rows_by_number
from connector.errors import PayloadError, PlatformItemError
from connector.model import Order, Product, SkippedPayload, Variant
from connector.platform import ChangePage, Resource, ResyncTarget

__all__ = ["Cursor", "Reader"]

_FMT = "%Y-%m-%dT%H:%M:%S"


@dataclass
class Cursor:
    """Watermark (newest ``date_modified_gmt`` read, epoch seconds) and the pairs seen near it."""

    watermark: int | None = None
    seen: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            return cls(int(data["w"]), {str(k): int(v) for k, v in data.get("s", {}).items()})
        except (ValueError, KeyError, TypeError):
            return cls()  # an unreadable cursor means a full re-read, never a crash

    def dump(self, overlap: int) -> str:
        if self.watermark is None:
            return json.dumps({"w": 0, "s": {}})
        floor = self.watermark - overlap
        seen = {k: v for k, v in self.seen.items() if v >= floor}
        return json.dumps({"w": self.watermark, "s": seen}, sort_keys=True)

    def is_new(self, row_id: str, modified: int) -> bool:
        return self.seen.get(row_id) != modified

    def mark(self, row_id: str, modified: int) -> None:
        self.seen[row_id] = modified
        if self.watermark is None or modified > self.watermark:
            self.watermark = modified


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

    # --- listing --------------------------------------------------------------------------------
    def _windows(
        self, path: str, cursor: Cursor, extra: Mapping[str, Any]
    ) -> Iterator[list[Mapping[str, Any]]]:
        """Pages of rows not seen before, oldest change first."""
        after = None if cursor.watermark is None else cursor.watermark - self.overlap
        page = 1
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
            rows = self.client.get(path, params).body
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
                if cursor.is_new(key, modified):
                    fresh.append(row)
            yield fresh
            if len(rows) < PER_PAGE:
                return
            if newest is not None and (after is None or newest - 1 > after):
                after, page = newest - 1, 1  # a new window just before the newest second read
            else:
                page += 1  # a whole page shares one second: only then move by page number

    def read(self, resource: Resource, cursor_text: str | None) -> Iterator[ChangePage]:
        cursor = Cursor.load(cursor_text)
        any_page = False
        if resource is Resource.PRODUCTS:
            for rows in self._windows("products", cursor, {}):
                page = self._product_page(rows, cursor)
                any_page = True
                yield page
        else:
            for rows in self._windows("orders", cursor, {}):
                orders, skips = self.map_orders(rows, cursor)
                any_page = True
                yield ChangePage(
                    resource, orders=orders, skipped=skips, cursor=cursor.dump(self.overlap)
                )
        if not any_page:
            yield ChangePage(resource, cursor=cursor.dump(self.overlap))

    # --- products -------------------------------------------------------------------------------
    def variations(self, product_id: int) -> list[Mapping[str, Any]]:
        """Every variation of one parent, paged (they carry no ``parent_id``: keep it from here)."""
        rows: list[Mapping[str, Any]] = []
        page = 1
        while True:
            answer = self.client.get(
                f"products/{product_id}/variations",
                {"per_page": PER_PAGE, "page": page, "orderby": "id", "order": "asc"},
            )
            if not isinstance(answer.body, list):
                raise PayloadError(f"variations of {product_id}: expected a list")
            rows.extend(answer.body)
            if len(answer.body) < PER_PAGE or page >= answer.total_pages:
                return rows
            page += 1

    def _product_page(self, rows: list[Mapping[str, Any]], cursor: Cursor | None) -> ChangePage:
        products: list[Product] = []
        variants: list[Variant] = []
        skips: list[SkippedPayload] = []
        for row in rows:
            try:
                product = map_product(self.shop, row)
                if row.get("type") == "variable":
                    for variation in self.variations(int(row["id"])):
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
            if cursor is not None:
                self._mark(cursor, row)
        return ChangePage(
            Resource.PRODUCTS,
            products=tuple(products),
            variants=tuple(variants),
            skipped=tuple(skips),
            cursor=cursor.dump(self.overlap) if cursor is not None else None,
        )

    @staticmethod
    def _mark(cursor: Cursor, row: Mapping[str, Any]) -> None:
        # A row without id or date is recorded as skipped; it cannot move the watermark.
        with contextlib.suppress(KeyError, TypeError, PayloadError):
            cursor.mark(str(row["id"]), _epoch(row))

    def map_orders(
        self, rows: list[Mapping[str, Any]], cursor: Cursor | None
    ) -> tuple[tuple[Order, ...], tuple[SkippedPayload, ...]]:
        orders: list[Order] = []
        skips: list[SkippedPayload] = []
        for row in rows:
            try:
                orders.append(map_order(self.shop, row, self._refunded(row)))
            except PayloadError as error:
                skips.append(skipped(self.shop, "order", row, str(error)))
            if cursor is not None:
                self._mark(cursor, row)
        return tuple(orders), tuple(skips)

    def _refunded(self, row: Mapping[str, Any]) -> dict[str, int] | None:
        """Refunded units per line: one more request, only for an order that lists refunds."""
        if not row.get("refunds") or not str(row.get("id", "")).isdigit():
            return None
        answer = self.client.get(f"orders/{row['id']}/refunds", {"per_page": PER_PAGE})
        return refunded_units(answer.body)

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
