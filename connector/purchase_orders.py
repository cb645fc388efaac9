"""Adding and receiving purchase orders by hand: what ``connector po add|receive`` and the
console's forms both do.

One function, so the two faces validate alike and say the same things: a date that is not a
date, a date already past (unless it is the one stored), a SKU the synced catalog does not know
(a warning: saved anyway). Saving under a stored id updates that PO and keeps what was received.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from connector.db import schema as t
from connector.db.store import StateStore
from connector.db.store_backorders import po_from_row
from connector.errors import UsageError
from connector.model import PurchaseOrder
from connector.settings import Settings
from connector.supply_import import keep_received, past_date_problem

__all__ = [
    "PAGE_SIZE",
    "Added",
    "PurchaseOrderPage",
    "add_purchase_order",
    "open_purchase_orders_page",
    "purchase_order_by_id",
    "receive_purchase_order",
    "shop_today",
    "unknown_sku_warning",
]


@dataclass(frozen=True, slots=True)
class Added:
    po: PurchaseOrder
    warning: str | None

    @property
    def summary(self) -> str:
        po = self.po
        when = po.expected_date.isoformat() if po.expected_date else "no date yet"
        return f"Purchase order {po.id}: {po.quantity} x {po.sku}, expected {when}."


PAGE_SIZE = 50
"""Open purchase orders per page of the console: a screenful an owner reads, not a shop's all."""


@dataclass(frozen=True, slots=True)
class PurchaseOrderPage:
    """One page of the open purchase orders: ``number`` of ``pages`` (1-based), ``total`` in all
    that match the search."""

    pos: tuple[PurchaseOrder, ...]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the page's first PO among all that match (0 when none do)."""
        return (self.number - 1) * self.size + 1 if self.pos else 0

    @property
    def last(self) -> int:
        return self.first + len(self.pos) - 1 if self.pos else 0


def open_purchase_orders_page(
    engine: sa.Engine,
    shops: Collection[str],
    *,
    search: str = "",
    number: int = 1,
    size: int = PAGE_SIZE,
) -> PurchaseOrderPage:
    """The open purchase orders of ``shops`` in ``connector po list``'s order (by expected date,
    the overdue first, undated last), one page of them read from the database, and how many match.

    ``search`` keeps those whose SKU or supplier contains it (any case): an owner looks a PO up
    by the SKU a customer asked about or the supplier who just called. A ``number`` past the last
    page gives the last page (a PO received since the link was made shortens the list).
    """
    p = t.purchase_orders
    where = [p.c.shop.in_(list(shops)), p.c.received < p.c.quantity]
    words = search.strip().lower()
    if words:
        where.append(
            sa.or_(
                sa.func.lower(p.c.sku).contains(words, autoescape=True),
                sa.func.lower(p.c.supplier).contains(words, autoescape=True),
            )
        )
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(p).where(*where)).scalar_one()
        number = max(1, min(number, max(1, -(-total // size))))
        query = (
            sa.select(p)
            .where(*where)
            # Undated last, as `po list`; written NULLS LAST, PostgreSQL's index order (m0501).
            .order_by(p.c.expected_date.asc().nulls_last(), p.c.shop, p.c.id)
            .limit(size)
            .offset((number - 1) * size)
        )
        pos = tuple(po_from_row(row) for row in conn.execute(query).mappings())
    return PurchaseOrderPage(pos, total, number, size)


def purchase_order_by_id(
    engine: sa.Engine, shops: Collection[str], po_id: str
) -> PurchaseOrder | None:
    """The purchase order ``po_id`` of one of ``shops`` (open or received), None when unknown."""
    p = t.purchase_orders
    query = sa.select(p).where(p.c.shop.in_(list(shops)), p.c.id == po_id).order_by(p.c.shop)
    with engine.connect() as conn:
        row = conn.execute(query.limit(1)).mappings().first()
    return po_from_row(row) if row is not None else None


def shop_today(settings: Settings, shop: str, now: datetime) -> date:
    """Today where the shop is: a PO due "today" in Stockholm is not in the past at 23:30 UTC."""
    return now.astimezone(ZoneInfo(settings.shop(shop).timezone)).date()


def unknown_sku_warning(store: StateStore, shop: str, sku: str) -> str | None:
    """A warning when ``sku`` is not in the shop's synced catalog: a typo promises nothing to
    anyone (no line waits for a SKU that does not exist), so say so, but keep it (the product may
    simply not be synced yet)."""
    if store.variant_by_sku(shop, sku) is not None:
        return None
    return (
        f"warning: {sku} is not a SKU of {shop}'s catalog (a typo, or not synced yet?); "
        "saved anyway"
    )


def add_purchase_order(
    store: StateStore,
    settings: Settings,
    shop: str,
    *,
    sku: str,
    quantity: int,
    expected: str | None,
    now: datetime,
    supplier: str = "",
    reference: str = "",
    po_id: str | None = None,
    reason: str = "",
    expected_label: str = "--expected",
) -> Added:
    """Validate and save one purchase order; UsageError (one line) when it cannot be saved."""
    sku = sku.strip()
    if not sku:
        raise UsageError("a purchase order needs a SKU")
    if quantity < 1:
        raise UsageError(f"a purchase order needs a quantity of at least 1, got {quantity}")
    try:
        due = date.fromisoformat(expected) if expected else None
    except ValueError:
        raise UsageError(f"{expected_label} wants YYYY-MM-DD, got {expected!r}") from None
    # A made-up id must be unique even when the clock is fixed (--now): two POs added at one
    # instant are two POs, not an update of the first.
    made_up = f"PO-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    identity = po_id or (f"{reference}:{sku}" if reference else made_up)
    po = PurchaseOrder(
        id=identity,
        shop=shop,
        sku=sku,
        quantity=quantity,
        expected_date=due,
        supplier=supplier,
        created_at=now,
        reference=reference,
        reason=reason.strip(),
    )
    stored = store.purchase_orders(shop, sku=sku, open_only=False)
    same = next((known for known in stored if known.id == identity), None)
    today = shop_today(settings, shop, now)
    if due is not None and past_date_problem(po, same, today):
        raise UsageError(
            f"{expected_label} {due.isoformat()} is in the past "
            f"(today is {today.isoformat()} in {shop}): give the date "
            f"the supplier gives now, or leave {expected_label} out (no date yet)"
        )
    warning = unknown_sku_warning(store, shop, sku)
    # Same id as a stored purchase order: an update that keeps what was already received.
    [po] = keep_received([po], stored)
    store.add_purchase_order(po)
    return Added(po, warning)


def receive_purchase_order(
    store: StateStore,
    shop: str,
    po_id: str,
    quantity: int,
    *,
    more_than_ordered: bool = False,
    over_label: str = "--more-than-ordered",
) -> PurchaseOrder:
    """Book ``quantity`` units of a purchase order as received; UsageError (one line) when the PO
    is unknown, the count is not positive, or it would pass what was ordered unless allowed."""
    if quantity < 1:
        raise UsageError(f"receive at least 1 unit, got {quantity}")
    found = [po for po in store.purchase_orders(shop, open_only=False) if po.id == po_id]
    if not found:
        raise UsageError(f"no purchase order {po_id!r} in shop {shop!r}")
    before = found[0]
    total = before.received + quantity
    if total > before.quantity and not more_than_ordered:
        # 99 typed for 4 would close the PO and take its promise from every waiting line.
        raise UsageError(
            f"purchase order {po_id} has {before.quantity} ordered and {before.received} "
            f"received: {quantity} more would make {total}/{before.quantity}. Give the units "
            f"that arrived, or add {over_label} if the supplier sent more."
        )
    try:
        return store.receive_purchase_order(shop, po_id, quantity)
    except KeyError:
        raise UsageError(f"no purchase order {po_id!r} in shop {shop!r}") from None
