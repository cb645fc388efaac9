"""``customer_swaps`` (migration 304): one row per order line a customer asked to swap.

The row is written before the shop is asked, with the idempotency key the shop is written with
(one per shop, order and line: a line is swapped at most once), and moves through the same states
as a cancel (:class:`~connector.web.tables.CancelState`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime
from connector.web.tables import CancelState

__all__ = [
    "SWAP",
    "SwapRecord",
    "by_key",
    "customer_swaps",
    "open_swaps",
    "swap_key",
    "swaps_for",
]

SWAP = "swap"

customer_swaps = sa.Table(
    "customer_swaps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False),
    sa.Column("order_id", sa.String(200), nullable=False),
    sa.Column("line_id", sa.String(200), nullable=False),
    sa.Column("key", sa.String(80), nullable=False, unique=True),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("old_sku", sa.String(200), nullable=False, server_default=""),
    sa.Column("old_title", sa.String(500), nullable=False, server_default=""),
    sa.Column("variant_id", sa.String(200), nullable=False),
    sa.Column("product_id", sa.String(200), nullable=False, server_default=""),
    sa.Column("sku", sa.String(200), nullable=False, server_default=""),
    sa.Column("title", sa.String(500), nullable=False, server_default=""),
    sa.Column("unit_price", sa.String(40), nullable=False),
    sa.Column("difference", sa.String(40), nullable=False),  # per unit, back to the customer
    sa.Column("currency", sa.String(3), nullable=False, server_default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("source", sa.String(100), nullable=False, server_default=""),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("new_line_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("refund", sa.String(20), nullable=False, server_default=""),
    sa.Column("amount", sa.String(40), nullable=False, server_default=""),
    sa.Column("owed", sa.String(40), nullable=False, server_default=""),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
)


@dataclass(frozen=True, slots=True)
class SwapRecord:
    """One swap as recorded: what was asked, when, and what the shop did."""

    shop: str
    order_id: str
    line_id: str
    key: str
    units: int
    old_sku: str
    old_title: str
    variant_id: str
    product_id: str
    sku: str
    title: str
    unit_price: Decimal
    difference: Decimal
    currency: str
    state: str
    source: str
    requested_at: datetime
    updated_at: datetime
    attempts: int
    new_line_id: str
    refund: str
    amount: Decimal | None
    owed: Decimal | None
    message: str


def swap_key(shop: str, order_id: str, line_id: str) -> str:
    """The idempotency key of the swap of one order line (a line is swapped once)."""
    text = json.dumps([shop, order_id, line_id])
    return "bc-swap-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _record(row: Any) -> SwapRecord:
    return SwapRecord(
        shop=row.shop,
        order_id=row.order_id,
        line_id=row.line_id,
        key=row.key,
        units=row.units,
        old_sku=row.old_sku,
        old_title=row.old_title,
        variant_id=row.variant_id,
        product_id=row.product_id,
        sku=row.sku,
        title=row.title,
        unit_price=_decimal(row.unit_price) or Decimal("0"),
        difference=_decimal(row.difference) or Decimal("0"),
        currency=row.currency,
        state=row.state,
        source=row.source,
        requested_at=row.requested_at,
        updated_at=row.updated_at,
        attempts=row.attempts,
        new_line_id=row.new_line_id,
        refund=row.refund,
        amount=_decimal(row.amount),
        owed=_decimal(row.owed),
        message=row.message,
    )


def _select(engine: sa.Engine, *where: Any) -> list[SwapRecord]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(customer_swaps).where(*where).order_by(customer_swaps.c.id)
        ).all()
    return [_record(row) for row in rows]


def swaps_for(engine: sa.Engine, shop: str, order_id: str) -> list[SwapRecord]:
    """Every swap asked for one order, oldest first."""
    table = customer_swaps
    return _select(engine, table.c.shop == shop, table.c.order_id == order_id)


def open_swaps(engine: sa.Engine, shop: str) -> list[SwapRecord]:
    """Every swap of ``shop`` not done, failed or declined yet, oldest first."""
    ended = (CancelState.DONE, CancelState.FAILED, CancelState.DECLINED)
    return _select(engine, customer_swaps.c.shop == shop, customer_swaps.c.state.not_in(ended))


def by_key(engine: sa.Engine, key: str) -> SwapRecord | None:
    found = _select(engine, customer_swaps.c.key == key)
    return found[0] if found else None
