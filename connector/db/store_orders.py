"""Orders, their lines and customers in the state store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from connector.db import schema as t
from connector.db.store_base import (
    SharedValues,
    StoreBase,
    chunks,
    insert_rows,
    streamed,
    upsert,
)
from connector.model import Customer, Money, Order, OrderLine, OrderStatus, order_ref_spellings

__all__ = ["OrderStore"]


class OrderStore(StoreBase):
    """Order state. An order is stored whole: upserting it replaces its lines."""

    def upsert_orders(self, orders: Iterable[Order]) -> int:
        """Insert or update orders with their lines and customers; returns how many were written.

        A copy older (by ``updated_at``) than the stored order is ignored, so a late webhook re-read
        never rolls an order back.
        """
        incoming = {(o.shop, o.platform_id): o for o in orders}
        if not incoming:
            return 0
        with self._conn() as conn:
            fresh = _not_stale(conn, list(incoming.values()))
            upsert(conn, t.orders, [_order_row(o) for o in fresh])
            for shop, part in _id_chunks(fresh):
                conn.execute(
                    sa.delete(t.order_lines).where(
                        t.order_lines.c.shop == shop, t.order_lines.c.order_id.in_(part)
                    )
                )
            lines = [
                _line_row(order, position, line)
                for order in fresh
                for position, line in enumerate(order.lines)
            ]
            insert_rows(conn, t.order_lines, lines)
            # Guest checkouts without an email have no customer to remember.
            known = [_customer_row(o.customer) for o in fresh if o.customer.email]
            upsert(conn, t.customers, known)
        return len(fresh)

    def upsert_customers(self, customers: Iterable[Customer]) -> int:
        rows = [_customer_row(c) for c in customers]
        with self._conn() as conn:
            upsert(conn, t.customers, rows)
        return len(rows)

    def customer(self, shop: str, email: str) -> Customer | None:
        """The newest view of a customer (from their latest order or a customer sync)."""
        query = sa.select(t.customers).where(
            t.customers.c.shop == shop, t.customers.c.email == email
        )
        with self._conn() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _customer(row)

    def orders(
        self,
        shop: str,
        statuses: Iterable[OrderStatus] | None = None,
        since: datetime | None = None,
    ) -> list[Order]:
        """Orders of ``shop``, oldest first; optionally only some statuses or updated at/after ``since``."""
        query = sa.select(t.orders).where(t.orders.c.shop == shop)
        if statuses is not None:
            query = query.where(t.orders.c.status.in_([s.value for s in statuses]))
        if since is not None:
            query = query.where(t.orders.c.updated_at >= since)
        ids = query.with_only_columns(t.orders.c.platform_id)
        query = query.order_by(t.orders.c.created_at, t.orders.c.platform_id)
        with self._conn() as conn:
            return _streamed_with_lines(conn, shop, query, ids)

    def order_ids(self, shop: str, statuses: Iterable[OrderStatus]) -> list[str]:
        """The platform ids of the orders of ``shop`` in these statuses, in id order."""
        o = t.orders
        query = (
            sa.select(o.c.platform_id)
            .where(o.c.shop == shop, o.c.status.in_([s.value for s in statuses]))
            .order_by(o.c.platform_id)
        )
        with self._conn() as conn:
            return [str(row[0]) for row in conn.execute(query)]

    def orders_by_ids(self, shop: str, order_ids: Iterable[str]) -> list[Order]:
        """The orders of ``shop`` with these platform ids (unknown ids are left out), oldest first.

        What a warm engine reads after a sync: the orders that changed, not every order line.
        """
        ids = sorted(set(order_ids))
        rows: list[sa.RowMapping] = []
        with self._conn() as conn:
            for part in chunks(ids):
                query = sa.select(t.orders).where(
                    t.orders.c.shop == shop, t.orders.c.platform_id.in_(part)
                )
                rows.extend(conn.execute(query).mappings())
            rows.sort(key=lambda row: (row["created_at"], row["platform_id"]))
            return _with_lines(conn, shop, rows)

    def orders_by_email(self, shop: str, email: str, limit: int = 50) -> list[Order]:
        """The orders of the customer with ``email`` (any case), newest first."""
        query = (
            sa.select(t.orders)
            .where(t.orders.c.shop == shop)
            .where(sa.func.lower(t.orders.c.customer_email) == email.strip().lower())
            .order_by(t.orders.c.created_at.desc(), t.orders.c.platform_id)
            .limit(limit)
        )
        with self._conn() as conn:
            return _with_lines(conn, shop, list(conn.execute(query).mappings()))

    def order(self, shop: str, id_or_number: str) -> Order | None:
        """One order by platform id, else by order number (``#1001`` and ``1001`` both work)."""
        base = sa.select(t.orders).where(t.orders.c.shop == shop)
        typed = id_or_number.strip()
        with self._conn() as conn:
            row = conn.execute(base.where(t.orders.c.platform_id == typed)).mappings().first()
            if row is None:
                numbers = order_ref_spellings(typed)
                query = base.where(t.orders.c.number.in_(numbers)).order_by(t.orders.c.created_at)
                row = conn.execute(query).mappings().first()
            if row is None:
                return None
            return _with_lines(conn, shop, [row])[0]


def _id_chunks(orders: Iterable[Order]) -> Iterator[tuple[str, Sequence[str]]]:
    """``(shop, ids)`` for every shop among ``orders``, ids in chunks small enough for one IN."""
    by_shop: dict[str, list[str]] = defaultdict(list)
    for order in orders:
        by_shop[order.shop].append(order.platform_id)
    for shop, ids in by_shop.items():
        for part in chunks(ids):
            yield shop, part


def _not_stale(conn: sa.Connection, orders: Sequence[Order]) -> list[Order]:
    stored: dict[tuple[str, str], datetime] = {}
    for shop, part in _id_chunks(orders):
        query = sa.select(t.orders.c.platform_id, t.orders.c.updated_at).where(
            t.orders.c.shop == shop, t.orders.c.platform_id.in_(part)
        )
        for platform_id, updated_at in conn.execute(query):
            stored[(shop, platform_id)] = updated_at
    return [
        o
        for o in orders
        if (o.shop, o.platform_id) not in stored or stored[(o.shop, o.platform_id)] <= o.updated_at
    ]


def _with_lines(
    conn: sa.Connection, shop: str, rows: list[sa.RowMapping], ids: sa.Select[Any] | None = None
) -> list[Order]:
    """The orders of ``rows`` with their lines; ``ids`` selects the same orders' ids (one
    statement for the lines instead of one per chunk of ids)."""
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    shared = _Shared()
    parts = [ids] if ids is not None else chunks([row["platform_id"] for row in rows])
    for part in parts:
        query = (
            sa.select(t.order_lines)
            .where(t.order_lines.c.shop == shop, t.order_lines.c.order_id.in_(part))
            .order_by(t.order_lines.c.order_id, t.order_lines.c.position)
        )
        for line in conn.execute(query).mappings():
            lines[line["order_id"]].append(_line(line, shared))
    return [_order(row, tuple(lines.pop(row["platform_id"], ())), shared) for row in rows]


def _streamed_with_lines(
    conn: sa.Connection, shop: str, query: sa.Select[Any], ids: sa.Select[Any]
) -> list[Order]:
    """The orders ``query`` selects, with their lines: :func:`_with_lines` for a whole shop.

    Each order row becomes its order as it arrives, without its lines; then the lines are read by
    the same filter in one statement (a whole shop's orders in chunks of ids took thousands of
    statements: 2,889 for 500k orders), and each order is made again with its lines. Holding
    every order row until the lines came (500k rows and the copies of values each carries) left
    a warm daemon's heap with a hole wherever a row had been, which its RSS kept; an order made
    again takes the place of the one it replaces.
    """
    shared = _Shared()
    found: list[Order] = []
    place: dict[str, int] = {}
    for row in streamed(conn, query).mappings():
        order = _order(row, (), shared)
        place[order.platform_id] = len(found)
        found.append(order)
    lines = (
        sa.select(t.order_lines)
        .where(t.order_lines.c.shop == shop, t.order_lines.c.order_id.in_(ids))
        .order_by(t.order_lines.c.order_id, t.order_lines.c.position)
    )
    current: list[OrderLine] = []
    for row in streamed(conn, lines).mappings():
        if current and row["order_id"] != current[0].order_id:
            _attach(found, place, current)
            current = []
        current.append(_line(row, shared))
    if current:
        _attach(found, place, current)
    return found


def _attach(found: list[Order], place: dict[str, int], lines: list[OrderLine]) -> None:
    at = place.get(lines[0].order_id)
    if at is None:  # an order that came in between the two statements: read next time
        return
    o = found[at]
    found[at] = Order(
        o.shop,
        o.platform_id,
        o.number,
        o.created_at,
        o.updated_at,
        o.status,
        o.currency,
        o.customer,
        tuple(lines),
        o.locale,
        o.tags,
        o.cancelled_at,
        o.note,
    )


class _Shared(SharedValues):
    """:class:`SharedValues` for an orders read: its orders name a few customers each, and an
    order and its lines hold one copy of its id."""

    __slots__ = ("customers",)

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[tuple[Any, ...], Customer] = {}

    def customer(self, row: sa.RowMapping) -> Customer:
        key = tuple(row[name] for name in _CUSTOMER_COLUMNS)
        found = self.customers.get(key)
        if found is None:
            found = self.customers[key] = Customer(
                shop=row["shop"],
                email=row["customer_email"],
                name=row["customer_name"],
                locale=row["customer_locale"],
                tags=row["customer_tags"],
                platform_id=row["customer_platform_id"],
            )
        return found


_CUSTOMER_COLUMNS = (
    "shop",
    "customer_email",
    "customer_name",
    "customer_locale",
    "customer_tags",
    "customer_platform_id",
)

_STATUSES = {status.value: status for status in OrderStatus}


def _order_row(o: Order) -> dict[str, Any]:
    return {
        "shop": o.shop,
        "platform_id": o.platform_id,
        "number": o.number,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "status": o.status.value,
        "currency": o.currency,
        "customer_email": o.customer.email,
        "customer_name": o.customer.name,
        "customer_locale": o.customer.locale,
        "customer_tags": o.customer.tags,
        "customer_platform_id": o.customer.platform_id,
        "locale": o.locale,
        "tags": o.tags,
        "cancelled_at": o.cancelled_at,
        "note": o.note,
    }


def _order(row: sa.RowMapping, lines: tuple[OrderLine, ...], shared: _Shared) -> Order:
    created, updated = row["created_at"], row["updated_at"]
    return Order(
        shop=shared.text(row["shop"]),
        platform_id=shared.text(row["platform_id"]),  # the very string its lines hold
        number=row["number"],
        created_at=created,
        updated_at=created if updated == created else updated,
        status=_STATUSES[row["status"]],
        currency=shared.text(row["currency"]),
        customer=shared.customer(row),
        lines=lines,
        locale=row["locale"],
        tags=row["tags"],
        cancelled_at=row["cancelled_at"],
        note=row["note"],
    )


def _line_row(order: Order, position: int, line: OrderLine) -> dict[str, Any]:
    return {
        "shop": order.shop,
        # The order's id, not the line's copy of it: a line always belongs to the order it came in.
        "order_id": order.platform_id,
        "platform_id": line.platform_id,
        "position": position,
        "variant_id": line.variant_id,
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "price": line.price.amount,
        "currency": line.price.currency,
        "fulfilled": line.fulfilled,
        "cancelled": line.cancelled,
        "backordered_at_order": line.backordered_at_order,
        "preorder": line.preorder,
        "selling_plan": line.selling_plan,
        "on_hold": line.on_hold,
        "refunded": line.refunded.amount if line.refunded is not None else None,
    }


def _line(row: sa.RowMapping, shared: _Shared) -> OrderLine:
    return OrderLine(
        platform_id=row["platform_id"],
        order_id=shared.text(row["order_id"]),
        variant_id=None if row["variant_id"] is None else shared.text(row["variant_id"]),
        sku=shared.text(row["sku"]),
        title=shared.text(row["title"]),
        quantity=row["quantity"],
        price=shared.price(row["price"], shared.text(row["currency"])),
        fulfilled=row["fulfilled"],
        cancelled=row["cancelled"],
        backordered_at_order=row["backordered_at_order"],
        preorder=bool(row["preorder"]),
        selling_plan=row["selling_plan"],
        on_hold=bool(row["on_hold"]),
        refunded=Money(row["refunded"], row["currency"]) if row["refunded"] is not None else None,
    )


def _customer_row(c: Customer) -> dict[str, Any]:
    return {
        "shop": c.shop,
        "email": c.email,
        "name": c.name,
        "locale": c.locale,
        "tags": c.tags,
        "platform_id": c.platform_id,
    }


def _customer(row: sa.RowMapping) -> Customer:
    return Customer(
        shop=row["shop"],
        email=row["email"],
        name=row["name"],
        locale=row["locale"],
        tags=row["tags"],
        platform_id=row["platform_id"],
    )
