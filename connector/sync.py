"""Pull: bring what changed in a shop into the state database, one committed page at a time.

For each :class:`~connector.platform.Resource`, ``adapter.read_changes(resource, cursor)`` yields
pages; each page's objects are upserted and its skipped payloads recorded together with the page's
cursor. A crash before the commit re-reads that page next time (the upserts are idempotent), so
nothing is lost and nothing counts twice.

Targeted resyncs (webhooks, ``connector resync``, the re-read after our own writes) go through
``adapter.fetch(target)`` and never move a cursor. So does :func:`reconcile_waiting_orders`, the
promise check's re-read of every order that still waits: WooCommerce changes that never move
``date_modified`` (notes, meta) and a webhook that never came are caught there at the latest.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from connector.db import StateStore
from connector.platform import ChangePage, PlatformAdapter, Resource, ResyncTarget

__all__ = [
    "RECONCILE_BATCH",
    "RECONCILE_CURSOR",
    "SyncResult",
    "in_turn",
    "pull",
    "reconcile_waiting_orders",
    "resync",
    "save_page",
    "settle_memberships",
]

log = logging.getLogger(__name__)

Progress = Callable[[Resource, "SyncResult"], None]


@dataclass(slots=True)
class SyncResult:
    """What one pull or resync brought in."""

    pages: int = 0
    products: int = 0
    variants: int = 0
    orders: int = 0
    deleted_products: int = 0
    skipped: int = 0
    stopped_early: bool = False
    order_ids: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)
    """Products (changed or deleted) and variants brought in: what a warm engine reads back."""
    variant_ids: list[str] = field(default_factory=list)
    requests: int = 0
    """HTTP requests it cost (each retry is one more), where counted: the reconciliation reports it."""

    def add(self, page: ChangePage) -> None:
        self.pages += 1
        self.products += len(page.products)
        self.variants += len(page.variants)
        self.orders += len(page.orders)
        self.deleted_products += len(page.deleted_product_ids)
        self.skipped += len(page.skipped)
        self.order_ids.extend(order.platform_id for order in page.orders)
        self.skus.extend(variant.sku for variant in page.variants if variant.sku)
        self.product_ids.extend(product.platform_id for product in page.products)
        self.product_ids.extend(page.deleted_product_ids)
        self.variant_ids.extend(variant.platform_id for variant in page.variants)

    def merge(self, other: SyncResult) -> None:
        """Count ``other`` in too (several resyncs of one cycle make one report line)."""
        for name in (*_COUNTS, "requests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stopped_early = self.stopped_early or other.stopped_early
        self.order_ids.extend(other.order_ids)
        self.skus.extend(other.skus)
        self.product_ids.extend(other.product_ids)
        self.variant_ids.extend(other.variant_ids)

    @property
    def changed(self) -> int:
        return self.products + self.variants + self.orders + self.deleted_products

    def as_dict(self) -> dict[str, int | bool]:
        found: dict[str, int | bool] = {name: getattr(self, name) for name in _COUNTS}
        found["stopped_early"] = self.stopped_early
        found["requests"] = self.requests
        return found


_COUNTS = ("pages", "products", "variants", "orders", "deleted_products", "skipped")
"""The per-page counters of :class:`SyncResult`: what :meth:`~SyncResult.merge` adds up and
:meth:`~SyncResult.as_dict` reports (in this order, before ``stopped_early`` and ``requests``)."""


def save_page(store: StateStore, shop: str, page: ChangePage, *, move_cursor: bool = True) -> None:
    """Upsert one page's objects, record its skipped payloads and move the cursor, in one transaction.

    ``move_cursor=False`` for targeted re-reads, which say nothing about what else changed.
    """
    for item in page.skipped:
        log.warning("skipped %s %s: %s", item.resource, item.platform_id, item.reason)
    with store.transaction() as tx:
        if page.products:
            tx.upsert_products(page.products)
        if page.variants:
            tx.upsert_variants(page.variants)
        if page.orders:
            tx.upsert_orders(page.orders)
        if page.deleted_product_ids:
            tx.delete_products(shop, page.deleted_product_ids)
        for item in page.skipped:
            tx.record_skipped(item)
        if move_cursor and page.cursor is not None:
            tx.set_cursor(shop, page.resource.value, page.cursor)


def settle_memberships(
    store: StateStore, adapter: PlatformAdapter, shop: str, page: ChangePage
) -> ChangePage | None:
    """Re-read the products whose stored groups disagree with ``page.memberships``, and save them.

    A product put in a Shopify collection by hand, or taken out, keeps its ``updated_at``: only
    the collection says so. Each group's members now are compared with the stored products that
    name the group; those in one set and not the other (minus the page's own products, read
    already) are read again, so the cost follows what changed, not the group's size. Saved
    without moving a cursor, before the page's own cursor moves: a crash in between re-reads.
    """
    if not page.memberships:
        return None
    in_page = {product.platform_id for product in page.products}
    stale: set[str] = set()
    for group in page.memberships:
        stored = store.products_in_collection(shop, group.key)
        stale |= stored.symmetric_difference(group.product_ids)
    stale -= in_page
    if not stale:
        return None
    again = adapter.fetch(ResyncTarget(product_ids=tuple(sorted(stale))))
    save_page(store, shop, again, move_cursor=False)
    return again


def pull(
    store: StateStore,
    adapter: PlatformAdapter,
    shop: str,
    *,
    resources: Sequence[Resource] = (Resource.ORDERS, Resource.PRODUCTS),
    full: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Progress | None = None,
) -> SyncResult:
    """Read every change since the saved cursors (``full``: from the start) into the store.

    Orders are read before the catalog, so every order the store knows was placed before the stock
    counts it is planned with: the platform's ``available`` already has each known order's units
    taken off. Read the other way round, an order placed between the two reads would be known
    while its units still counted as free, and the plan would hand the first waiting customer
    stock that does not exist (release a hold, say "ships now"), then take it back next cycle.
    An order placed between the reads now only shows as less stock: what it really took.

    Stops between pages when ``should_stop()`` says so; the cursor then stands after the last
    committed page, so the next pull resumes there.
    """
    result = SyncResult()
    # The first read of a shop is when its existing orders end and new ones begin (no
    # confirmations for the existing ones unless the shop says notify_existing).
    store.mark_first_sync(shop)
    for resource in resources:
        cursor = None if full else store.get_cursor(shop, resource.value)
        for page in adapter.read_changes(resource, cursor):
            settled = settle_memberships(store, adapter, shop, page)
            if settled is not None:
                result.add(settled)
            save_page(store, shop, page)
            result.add(page)
            if progress is not None:
                progress(resource, result)
            if should_stop():
                result.stopped_early = True
                log.info("pull stopped after %d pages; resumes from the saved cursor", result.pages)
                return result
    return result


def resync(
    store: StateStore,
    adapter: PlatformAdapter,
    shop: str,
    target: ResyncTarget,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> SyncResult:
    """Re-read exactly ``target`` (``everything``: a full pull) into the store."""
    if target.everything:
        return pull(store, adapter, shop, full=True, should_stop=should_stop)
    result = SyncResult()
    if target.is_empty:
        return result
    page = adapter.fetch(target)
    # One read for the page's orders, not one per order (59 of them after a 100-order cycle's
    # writes); by id only: an order number that happens to equal a new order's id is no match.
    known = {
        order.platform_id
        for order in store.orders_by_ids(shop, (o.platform_id for o in page.orders))
    }
    new_orders = [order for order in page.orders if order.platform_id not in known]
    settled = settle_memberships(store, adapter, shop, page)
    if settled is not None:
        result.add(settled)
    save_page(store, shop, page, move_cursor=False)
    result.add(page)
    # Stock read before an order was placed still counts its units as free: re-read the SKUs of
    # an order the store did not know (a webhook's new order) after it, as pull reads orders
    # before the catalog, or the plan hands the first waiting customer stock that does not exist
    # until the next poll. Known orders' units were already off the stock last read.
    lines = {line.sku for order in new_orders for line in order.lines if line.sku}
    skus = sorted(lines - set(target.skus))
    if skus:
        stock = adapter.fetch(ResyncTarget(skus=tuple(skus)))
        save_page(store, shop, stock, move_cursor=False)
        result.add(stock)
    return result


RECONCILE_BATCH = 100
"""Order ids per fetch in :func:`reconcile_waiting_orders`: one ``include=`` page on WooCommerce
(its ``per_page`` cap), one ``nodes(ids:)`` query on Shopify well inside its cost limit."""


RECONCILE_CURSOR = "reconcile"
"""The ``sync_cursors`` row where a rotating re-read keeps the last order id it re-read."""


def reconcile_waiting_orders(
    store: StateStore,
    adapter: PlatformAdapter,
    shop: str,
    *,
    batch: int = RECONCILE_BATCH,
    limit: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    result: SyncResult | None = None,
) -> SyncResult:
    """Re-read the orders that still have a line in the stored queue, ``batch`` ids per fetch.

    Polling only sees what moved ``date_modified``; WooCommerce leaves it alone for notes and
    meta-only updates and never retries a webhook, so without this such a change to a waiting
    order could be missed for good. ``limit`` bounds one call: with more orders waiting than
    that, each call re-reads the next ``limit`` of them in id order, going on where the last
    call stopped (kept in the ``reconcile`` cursor) and round again from the start, so every
    order that waits is re-read within ``ceil(waiting / limit)`` calls (one more for an order
    that starts waiting behind the reader). The cost is ``ceil(min(waiting, limit) / batch)``
    fetches (each one or a few requests), reported in ``requests``. No sync cursor moves. Pass
    ``result`` to keep what was read and spent when a fetch raises (batches before it stay saved,
    and the rotation goes on after the last of them).
    """
    rotating = limit is not None and limit > 0
    order_ids = _reconcile_share(store, shop, limit if rotating else None)
    if result is None:
        result = SyncResult()
    before = adapter.usage.requests
    try:
        for start in range(0, len(order_ids), max(1, batch)):
            if should_stop():
                result.stopped_early = True
                break
            target = ResyncTarget(order_ids=tuple(order_ids[start : start + batch]))
            page = adapter.fetch(target)
            save_page(store, shop, page, move_cursor=False)
            result.add(page)
            if rotating:
                store.set_cursor(shop, RECONCILE_CURSOR, target.order_ids[-1])
    finally:
        result.requests += adapter.usage.requests - before
    return result


def _reconcile_share(store: StateStore, shop: str, limit: int | None) -> list[str]:
    """The waiting orders this call re-reads: all of them, or the next ``limit`` in turn."""
    # Sorted here, not by the database: a PostgreSQL collation may order ids other than Python.
    ids = sorted(store.waiting_order_ids(shop))
    if limit is None:
        return ids
    return in_turn(ids, store.get_cursor(shop, RECONCILE_CURSOR), limit)


def in_turn(ids: Sequence[str], after: str | None, size: int) -> list[str]:
    """The next ``size`` of the sorted ``ids`` after ``after``, round again from the start at the
    end: what a reader that takes a bounded share per run (and keeps the last id it took) takes."""
    start = 0 if after is None else bisect.bisect_right(ids, after)
    share = list(ids[start : start + size])
    if len(share) < size:
        share += ids[: min(start, size - len(share))]
    return share
