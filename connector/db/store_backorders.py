"""The backorder queue, its append-only history, and incoming supply (purchase orders)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from connector.db import schema as t
from connector.db.store_base import (
    SharedValues,
    StoreBase,
    chunks,
    clean_rows,
    streamed,
    upsert,
)
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Order,
    PurchaseOrder,
)

__all__ = ["BackorderStore", "po_from_row"]


class BackorderStore(StoreBase):
    """Queue, history and supply. History rows are only ever appended, never changed or deleted."""

    def replace_queue(
        self, shop: str, entries: Iterable[BackorderEntry], skus: Iterable[str] | None = None
    ) -> None:
        """Make ``entries`` the shop's queue: the whole queue, or only the queues of ``skus``."""
        rows = [_entry_row(e) for e in entries]
        if any(row["shop"] != shop for row in rows):
            raise ValueError(f"replace_queue({shop!r}) got an entry of another shop")
        with self._conn() as conn:
            if skus is None:
                conn.execute(sa.delete(t.backorder_queue).where(t.backorder_queue.c.shop == shop))
            else:
                for part in chunks(sorted(set(skus))):
                    conn.execute(
                        sa.delete(t.backorder_queue).where(
                            t.backorder_queue.c.shop == shop, t.backorder_queue.c.sku.in_(part)
                        )
                    )
            upsert(conn, t.backorder_queue, rows)

    def queue_totals(self, shop: str) -> tuple[int, int, int]:
        """``(lines, units waiting, SKUs)`` of the shop's queue, counted by the database."""
        q = t.backorder_queue
        query = sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(q.c.waiting), 0),
            sa.func.count(sa.distinct(q.c.sku)),
        ).where(q.c.shop == shop)
        with self._conn() as conn:
            lines, units, skus = conn.execute(query).one()
        return int(lines), int(units), int(skus)

    def queue_of_orders(self, shop: str, order_ids: Iterable[str]) -> list[BackorderEntry]:
        """The waiting lines of these orders, by SKU and position."""
        q = t.backorder_queue
        found: list[BackorderEntry] = []
        with self._conn() as conn:
            for part in chunks(sorted(set(order_ids))):
                query = sa.select(q).where(q.c.shop == shop, q.c.order_id.in_(part))
                found.extend(_entry(row) for row in conn.execute(query).mappings())
        found.sort(key=lambda e: (e.sku, e.position, e.ordered_at, e.order_id, e.line_id))
        return found

    def waiting_order_ids(self, shop: str) -> list[str]:
        """The ids of the orders with a line in the queue, in id order."""
        q = t.backorder_queue
        query = sa.select(q.c.order_id).where(q.c.shop == shop).distinct().order_by(q.c.order_id)
        with self._conn() as conn:
            return [str(row[0]) for row in conn.execute(query)]

    def queue(
        self, shop: str, sku: str | None = None, *, orders: Mapping[str, Order] | None = None
    ) -> list[BackorderEntry]:
        """Waiting lines by SKU, in queue position order.

        ``orders``: the shop's orders as read beside the queue, by platform id; each entry then
        holds its order's own id, line id, e-mail and time, and one copy of each value that
        repeats (shop, SKU, date, explanation). Read as they are, every field of every entry is
        an object of its own: at the benchmark shop the 200k waiting lines held 96 MiB of
        copies, which a warm engine keeps until their SKU is planned again.
        """
        q = t.backorder_queue
        query = sa.select(q).where(q.c.shop == shop)
        if sku is not None:
            query = query.where(q.c.sku == sku)
        query = query.order_by(q.c.sku, q.c.position, q.c.ordered_at, q.c.order_id, q.c.line_id)
        with self._conn() as conn:
            rows = streamed(conn, query).mappings()
            if orders is None:
                return [_entry(row) for row in rows]
            shared = _SharedEntries(orders)
            return [shared.entry(row) for row in rows]

    def append_events(self, events: Iterable[BackorderEvent]) -> int:
        """Add to the backorder history (in the given order); returns how many were added.

        An event already in the history (same shop, time, kind, line, dates, detail) is left out:
        two plans of the same state, or a rerun, never tell the story twice.
        """
        rows = list({_identity(row): row for row in map(_event_row, events)}.values())
        if not rows:
            return 0
        with self._conn() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            before = _count(conn, rows[0]["shop"])
            conn.execute(
                insert(t.backorder_events).on_conflict_do_nothing(), clean_rows(conn, rows)
            )
            return _count(conn, rows[0]["shop"]) - before

    def events(
        self,
        shop: str,
        since: datetime | None = None,
        sku: str | None = None,
        order_id: str | None = None,
    ) -> list[BackorderEvent]:
        """The history, oldest first (ties in the order they were appended)."""
        e = t.backorder_events
        query = sa.select(e).where(e.c.shop == shop)
        if since is not None:
            query = query.where(e.c.at >= since)
        if sku is not None:
            query = query.where(e.c.sku == sku)
        if order_id is not None:
            query = query.where(e.c.order_id == order_id)
        with self._conn() as conn:
            rows = streamed(conn, query.order_by(e.c.at, e.c.id)).mappings()
            return [_event(row) for row in rows]

    def add_purchase_order(self, po: PurchaseOrder) -> None:
        """Record incoming supply, or update it in place when (shop, id) is already known."""
        with self._conn() as conn:
            upsert(conn, t.purchase_orders, [_po_row(po)])

    def purchase_orders(
        self, shop: str, sku: str | None = None, open_only: bool = True
    ) -> list[PurchaseOrder]:
        """Supply by expected date (undated last); ``open_only`` leaves out fully received ones."""
        p = t.purchase_orders
        query = sa.select(p).where(p.c.shop == shop)
        if sku is not None:
            query = query.where(p.c.sku == sku)
        if open_only:
            query = query.where(p.c.received < p.c.quantity)
        query = query.order_by(p.c.expected_date.is_(None), p.c.expected_date, p.c.id)
        with self._conn() as conn:
            return [po_from_row(row) for row in conn.execute(query).mappings()]

    def purchase_orders_for_unknown_skus(self, shop: str) -> list[PurchaseOrder]:
        """Open supply for SKUs no variant of the shop has (a typo, or a product not synced yet):
        the engine cannot serve anyone from it, so ``po add`` and ``check`` should say so."""
        p, v = t.purchase_orders, t.variants
        known = sa.select(v.c.sku).where(v.c.shop == shop, v.c.sku == p.c.sku)
        query = (
            sa.select(p)
            .where(p.c.shop == shop, p.c.received < p.c.quantity, ~sa.exists(known))
            .order_by(p.c.sku, p.c.id)
        )
        with self._conn() as conn:
            return [po_from_row(row) for row in conn.execute(query).mappings()]

    def receive_purchase_order(self, shop: str, po_id: str, quantity: int) -> PurchaseOrder:
        """Book ``quantity`` units as received (more than ordered is kept: it is what arrived)."""
        if quantity <= 0:
            raise ValueError(f"received quantity must be positive, got {quantity}")
        p = t.purchase_orders
        key = (p.c.shop == shop, p.c.id == po_id)
        with self._conn() as conn:
            result = conn.execute(sa.update(p).where(*key).values(received=p.c.received + quantity))
            if result.rowcount == 0:
                raise KeyError(f"no purchase order {po_id!r} in shop {shop!r}")
            return po_from_row(conn.execute(sa.select(p).where(*key)).mappings().one())


def _entry_row(e: BackorderEntry) -> dict[str, Any]:
    return {
        "shop": e.shop,
        "sku": e.sku,
        "order_id": e.order_id,
        "line_id": e.line_id,
        "customer_email": e.customer_email,
        "ordered_at": e.ordered_at,
        "waiting": e.waiting,
        "allocated": e.allocated,
        "position": e.position,
        "priority": e.priority,
        "preorder": e.preorder,
        "eta": e.eta,
        "reason": e.reason,
    }


def _entry(row: sa.RowMapping) -> BackorderEntry:
    return BackorderEntry(
        shop=row["shop"],
        sku=row["sku"],
        order_id=row["order_id"],
        line_id=row["line_id"],
        customer_email=row["customer_email"],
        ordered_at=row["ordered_at"],
        waiting=row["waiting"],
        allocated=row["allocated"],
        position=row["position"],
        priority=row["priority"],
        preorder=bool(row["preorder"]),
        eta=row["eta"],
        reason=row["reason"],
    )


class _SharedEntries(SharedValues):
    """Queue entries made from rows with the strings and times of the orders they belong to,
    and the read's other repeated values shared as every read shares them (:class:`SharedValues`)."""

    __slots__ = ("dates", "orders")

    def __init__(self, orders: Mapping[str, Order]) -> None:
        super().__init__()
        self.orders = orders
        self.dates: dict[date | None, date | None] = {}

    def entry(self, row: sa.RowMapping) -> BackorderEntry:
        text = self.text
        order_id, line_id, sku = row["order_id"], row["line_id"], row["sku"]
        email, at = row["customer_email"], row["ordered_at"]
        order = self.orders.get(order_id)
        if order is not None:
            order_id = order.platform_id
            email = order.customer.email if order.customer.email == email else email
            at = order.created_at if order.created_at == at else at
            for line in order.lines:
                if line.platform_id == line_id:
                    line_id = line.platform_id
                    sku = line.sku if line.sku == sku else sku
                    break
        eta, reason = row["eta"], row["reason"]
        return BackorderEntry(
            text(row["shop"]),
            text(sku),
            order_id,
            line_id,
            email,
            at,
            row["waiting"],
            row["allocated"],
            row["position"],
            row["priority"],
            bool(row["preorder"]),
            self.dates.setdefault(eta, eta),
            text(reason),
        )


def _event_row(e: BackorderEvent) -> dict[str, Any]:
    return {
        "shop": e.shop,
        "at": e.at,
        "kind": e.kind.value,
        "sku": e.sku,
        "quantity": e.quantity,
        "order_id": e.order_id,
        "line_id": e.line_id,
        "customer_email": e.customer_email,
        "eta": e.eta,
        "old_eta": e.old_eta,
        "detail": e.detail,
    }


def _count(conn: sa.Connection, shop: str) -> int:
    e = t.backorder_events
    return int(conn.execute(sa.select(sa.func.count()).where(e.c.shop == shop)).scalar_one())


def _identity(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in sorted(row))


def _event(row: sa.RowMapping) -> BackorderEvent:
    return BackorderEvent(
        shop=row["shop"],
        at=row["at"],
        kind=BackorderEventKind(row["kind"]),
        sku=row["sku"],
        quantity=row["quantity"],
        order_id=row["order_id"],
        line_id=row["line_id"],
        customer_email=row["customer_email"],
        eta=row["eta"],
        old_eta=row["old_eta"],
        detail=row["detail"],
    )


def _po_row(po: PurchaseOrder) -> dict[str, Any]:
    return {
        "shop": po.shop,
        "id": po.id,
        "sku": po.sku,
        "quantity": po.quantity,
        "expected_date": po.expected_date,
        "supplier": po.supplier,
        "received": po.received,
        "created_at": po.created_at,
        "reference": po.reference,
        "reason": po.reason,
    }


def po_from_row(row: sa.RowMapping) -> PurchaseOrder:
    """A ``purchase_orders`` row as the model's purchase order (every read of the table)."""
    return PurchaseOrder(
        id=row["id"],
        shop=row["shop"],
        sku=row["sku"],
        quantity=row["quantity"],
        expected_date=row["expected_date"],
        supplier=row["supplier"],
        received=row["received"],
        created_at=row["created_at"],
        reference=row["reference"],
        reason=row["reason"],
    )
