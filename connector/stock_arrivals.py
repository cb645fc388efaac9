"""Purchase orders received from the shop's own stock count (migration 8).

Owners raise stock in the shop's admin when a delivery arrives and rarely run ``po receive`` too;
an open PO for supply already on the shelf would keep promising it twice (once as stock, once as
incoming), so lines behind would get dates the shop cannot keep. After each cycle's read the
connector compares each SKU's *on-hand* count with the one it saw last time:

- on hand is ``available + committed``: an order placed or cancelled moves units between the two
  (Shopify), so only a delivery, a count correction or a restocked return moves the sum;
- a rise is booked as received on the SKU's open purchase orders that could plausibly be it: dated,
  due within the shop's ``po_receive_window_days`` (default :data:`RECEIVE_WINDOW_DAYS`) of today
  (or overdue), not kept by the owner, earliest first; what is left of the rise is stock from
  elsewhere and books nothing;
- only SKUs with an open purchase order are watched, and the first sight of a SKU books nothing
  (no earlier count to compare with);
- variants sharing a stock pool and untracked ones are left out: their count is not one SKU's.

``po keep <id>`` is the owner's override: it gives back what stock booked on that PO and keeps it
open whatever the stock does (``po keep <id> --auto`` hands it back to the rule).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.schema import purchase_orders as po_table
from connector.db.schema import variants as variants_table
from connector.db.store import StateStore
from connector.db.store_base import chunks, upsert
from connector.db.types import UTCDateTime
from connector.errors import UsageError
from connector.model import PurchaseOrder
from connector.settings import Settings

__all__ = [
    "RECEIVE_WINDOW_DAYS",
    "StockNote",
    "StockReceipt",
    "keep_purchase_order",
    "preview",
    "preview_receipts",
    "purchase_order_stock",
    "receive",
    "receive_from_stock",
    "stock_notes",
    "stock_seen",
]

log = logging.getLogger(__name__)

RECEIVE_WINDOW_DAYS = 14
"""A rise counts for a PO due at most this many days ahead: a delivery weeks early is rare, and
a rise long before the PO's date is more likely a return or a count correction."""

stock_seen = sa.Table(
    "stock_seen",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("sku", sa.String(200), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)

purchase_order_stock = sa.Table(
    "purchase_order_stock",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("po_id", sa.String(200), primary_key=True),
    sa.Column("keep", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("from_stock", sa.Integer, nullable=False, server_default="0"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True, slots=True)
class StockReceipt:
    """Units of one PO booked as received because the shop's stock rose."""

    po_id: str
    sku: str
    quantity: int
    closed: bool


@dataclass(frozen=True, slots=True)
class StockNote:
    """What stock did to one PO, as ``po list`` shows it."""

    keep: bool
    from_stock: int
    note: str

    @property
    def text(self) -> str:
        if self.keep:
            return "kept open by the owner (shop stock not counted)"
        return self.note


def _on_hand(conn: sa.Connection, shop: str, skus: set[str]) -> dict[str, int]:
    """SKU -> on hand, for the watched SKUs only (a big catalog is not loaded every cycle)."""
    v = variants_table
    counts: dict[str, int] = defaultdict(int)
    pooled: set[str] = set()
    for chunk in chunks(sorted(skus)):
        query = sa.select(v.c.sku, v.c.available, v.c.committed, v.c.stock_pool).where(
            v.c.shop == shop, v.c.sku.in_(chunk), v.c.tracked.is_(True)
        )
        for row in conn.execute(query):
            if row.stock_pool:
                pooled.add(row.sku)
            counts[row.sku] += row.available + row.committed
    return {sku: count for sku, count in counts.items() if sku not in pooled}


@dataclass(frozen=True, slots=True)
class _Booking:
    po_id: str
    sku: str
    take: int
    from_stock: int
    closes: bool
    note: str


def _bookings(
    conn: sa.Connection,
    open_pos: Sequence[PurchaseOrder],
    shop: str,
    today: date,
    window_days: int,
) -> tuple[list[_Booking], dict[str, int], dict[str, int]]:
    """What the stock rises since the last look book on ``open_pos``, without writing: the
    bookings, the on-hand counts now and the ones seen last time (for the caller to remember)."""
    last = today + timedelta(days=window_days)
    counts = _on_hand(conn, shop, {po.sku for po in open_pos})
    seen = {
        row.sku: row.on_hand
        for row in conn.execute(sa.select(stock_seen).where(stock_seen.c.shop == shop))
    }
    kept = {
        row.po_id: row
        for row in conn.execute(
            sa.select(purchase_order_stock).where(purchase_order_stock.c.shop == shop)
        )
    }
    bookings: list[_Booking] = []
    for sku, on_hand in sorted(counts.items()):
        rise = on_hand - seen[sku] if sku in seen else 0
        for po in open_pos:  # by expected date already
            if rise <= 0:
                break
            stored = kept.get(po.id)
            if po.sku != sku or po.expected_date is None or po.expected_date > last:
                continue
            if stored is not None and stored.keep:
                continue
            take = min(rise, po.outstanding)
            rise -= take
            before = stored.from_stock if stored is not None else 0
            note = (
                f"{before + take} received from shop stock (on hand {seen[sku]} -> "
                f"{on_hand} on {today.isoformat()})"
            )
            bookings.append(_Booking(po.id, sku, take, before + take, take >= po.outstanding, note))
    return bookings, counts, seen


def preview_receipts(
    store: StateStore,
    engine: sa.Engine,
    shop: str,
    today: date,
    *,
    window_days: int = RECEIVE_WINDOW_DAYS,
) -> list[StockReceipt]:
    """What :func:`receive_from_stock` would book now, writing nothing (``connector plan``)."""
    open_pos = store.purchase_orders(shop)
    with engine.connect() as conn:
        bookings, _, _ = _bookings(conn, open_pos, shop, today, window_days)
    return [StockReceipt(b.po_id, b.sku, b.take, b.closes) for b in bookings]


def receive_from_stock(
    store: StateStore,
    engine: sa.Engine,
    shop: str,
    today: date,
    now: datetime,
    *,
    window_days: int = RECEIVE_WINDOW_DAYS,
) -> list[StockReceipt]:
    """Book stock rises since the last look on the open purchase orders they fill (see the module
    docstring for the rule); one transaction, so a crash never books a rise twice."""
    # Read before the write transaction: the store's own connection must not wait on ours.
    open_pos = store.purchase_orders(shop)
    receipts: list[StockReceipt] = []
    with engine.begin() as conn:
        bookings, counts, seen = _bookings(conn, open_pos, shop, today, window_days)
        for booking in bookings:
            conn.execute(
                sa.update(po_table)
                .where(po_table.c.shop == shop, po_table.c.id == booking.po_id)
                .values(received=po_table.c.received + booking.take)
            )
            _set_note(
                conn,
                shop,
                booking.po_id,
                keep=False,
                from_stock=booking.from_stock,
                note=booking.note,
                now=now,
            )
            receipts.append(StockReceipt(booking.po_id, booking.sku, booking.take, booking.closes))
        moved = [
            {"shop": shop, "sku": sku, "on_hand": on_hand, "seen_at": now}
            for sku, on_hand in counts.items()
            if seen.get(sku) != on_hand
        ]
        if moved:  # one statement for the SKUs whose stock moved (30 in a 100-order cycle)
            upsert(conn, stock_seen, moved)
        gone = set(seen) - set(counts)
        if gone:  # no open PO watches them any more
            conn.execute(
                sa.delete(stock_seen).where(stock_seen.c.shop == shop, stock_seen.c.sku.in_(gone))
            )
    for receipt in receipts:
        log.info(
            "%s: purchase order %s: %d x %s received from shop stock%s",
            shop,
            receipt.po_id,
            receipt.quantity,
            receipt.sku,
            " (closed)" if receipt.closed else "",
        )
    return receipts


def keep_purchase_order(
    store: StateStore, engine: sa.Engine, shop: str, po_id: str, now: datetime, *, keep: bool = True
) -> tuple[int, int]:
    """The owner's override: ``keep`` gives back what shop stock booked on ``po_id`` and keeps
    it open whatever the stock does; ``keep=False`` hands it back to the rule. Returns the PO's
    (received, quantity) after. UsageError when there is no such PO."""
    found = [po for po in store.purchase_orders(shop, open_only=False) if po.id == po_id]
    if not found:
        raise UsageError(f"no purchase order {po_id!r} in shop {shop!r}")
    po = found[0]
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(purchase_order_stock).where(
                purchase_order_stock.c.shop == shop, purchase_order_stock.c.po_id == po_id
            )
        ).first()
        given_back = row.from_stock if row is not None and keep else 0
        received = max(0, po.received - given_back)
        if given_back:
            conn.execute(
                sa.update(po_table)
                .where(po_table.c.shop == shop, po_table.c.id == po_id)
                .values(received=received)
            )
        from_stock = 0 if keep else (row.from_stock if row is not None else 0)
        note = "" if keep else (row.note if row is not None else "")
        _set_note(conn, shop, po_id, keep=keep, from_stock=from_stock, note=note, now=now)
    return received, po.quantity


def stock_notes(engine: sa.Engine, shop: str) -> dict[str, StockNote]:
    """PO id -> what shop stock did to it (only POs stock touched or the owner kept)."""
    t = purchase_order_stock
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.shop == shop)).all()
    return {
        row.po_id: StockNote(bool(row.keep), row.from_stock, row.note)
        for row in rows
        if row.keep or row.note
    }


def _set_note(
    conn: sa.Connection,
    shop: str,
    po_id: str,
    *,
    keep: bool,
    from_stock: int,
    note: str,
    now: datetime,
) -> None:
    _upsert(
        conn,
        purchase_order_stock,
        {"shop": shop, "po_id": po_id},
        keep=keep,
        from_stock=from_stock,
        note=note,
        updated_at=now,
    )


def _upsert(conn: sa.Connection, table: sa.Table, key: dict[str, str], **values: object) -> None:
    upsert(conn, table, [{**key, **values}])


def receive(
    store: StateStore, engine: sa.Engine, settings: Settings, shop: str, now: datetime
) -> list[StockReceipt]:
    """The cycle's step: :func:`receive_from_stock` with today in the shop's time zone."""
    from connector.purchase_orders import shop_today

    window = settings.shop(shop).po_receive_window_days
    return receive_from_stock(
        store, engine, shop, shop_today(settings, shop, now), now, window_days=window
    )


def preview(
    store: StateStore, engine: sa.Engine, settings: Settings, shop: str, now: datetime
) -> list[StockReceipt]:
    """What the next cycle's :func:`receive` would book, writing nothing."""
    from connector.purchase_orders import shop_today

    window = settings.shop(shop).po_receive_window_days
    return preview_receipts(
        store, engine, shop, shop_today(settings, shop, now), window_days=window
    )
