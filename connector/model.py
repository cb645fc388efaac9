"""The common model: what Shopify and WooCommerce share, in plain frozen dataclasses.

Everything the engine, the database and the emails see is one of these types. Adapters turn
platform JSON into them at their edge; nothing platform-shaped goes past an adapter.

Rules that hold for every type here:

* money is :class:`Money` (a ``Decimal`` plus an ISO 4217 currency), never a float;
* every ``datetime`` is timezone-aware UTC (use :func:`utc` to normalise one);
* platform ids are opaque strings (Shopify GIDs, WooCommerce numeric ids as text);
* collections are tuples (or frozensets for tag sets), so every value is hashable and immutable.

This module imports nothing from the project but its own parts: :mod:`connector.model_base`
(money, UTC times), :mod:`connector.model_notifications` (what is mailed) and
:mod:`connector.model_plan` (what the engine decides), all re-exported here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

__all__ = [
    "BackorderEntry",
    "BackorderEvent",
    "BackorderEventKind",
    "ChangeKind",
    "ChoiceCounts",
    "Customer",
    "InventoryPolicy",
    "Money",
    "MoneyAtRisk",
    "Notification",
    "NotificationKind",
    "NotificationLine",
    "Order",
    "OrderAction",
    "OrderActionKind",
    "OrderLine",
    "OrderStatus",
    "Plan",
    "Platform",
    "Product",
    "PurchaseOrder",
    "ReorderDue",
    "Shop",
    "SkippedPayload",
    "StockStatus",
    "StorefrontChange",
    "Variant",
    "WriteResult",
    "WriteStatus",
    "order_ref_spellings",
    "utc",
]


from connector.model_base import Money, order_ref_spellings, plan_record, utc
from connector.model_base import direct_init as _direct_init
from connector.model_notifications import (
    ChoiceCounts,
    MoneyAtRisk,
    Notification,
    NotificationKind,
    NotificationLine,
    ReorderDue,
)
from connector.model_plan import (
    ChangeKind,
    OrderAction,
    OrderActionKind,
    Plan,
    StorefrontChange,
    WriteResult,
    WriteStatus,
)


class Platform(enum.StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class InventoryPolicy(enum.StrEnum):
    """Whether the storefront keeps selling a variant when it is out of stock.

    Shopify: ``ProductVariant.inventoryPolicy`` DENY / CONTINUE.
    WooCommerce: ``backorders`` ``no`` is DENY; ``notify`` and ``yes`` are CONTINUE.
    """

    DENY = "deny"
    CONTINUE = "continue"


@_direct_init
@dataclass(frozen=True, slots=True)
class Shop:
    """A shop the connector serves, as named in the config."""

    name: str
    platform: Platform
    currency: str = "USD"
    locale: str = "en"
    timezone: str = "UTC"
    domain: str = ""


@_direct_init
@dataclass(frozen=True, slots=True)
class Product:
    shop: str
    platform_id: str
    title: str
    updated_at: datetime
    product_type: str = ""
    vendor: str = ""
    status: str = "active"
    tags: frozenset[str] = frozenset()
    collections: tuple[str, ...] = ()
    handle: str = ""


class StockStatus(enum.StrEnum):
    """What a shop shows for a variant whose stock it does not count (``Variant.tracked`` false),
    as its owner set it by hand (WooCommerce ``stock_status`` with ``manage_stock`` off).

    ``in_stock`` sells without limit; ``backorder`` sells, and every unit sold waits until the owner
    records supply or flips the status; ``out_of_stock`` does not sell. Shopify's untracked
    variants are always ``in_stock``.
    """

    IN_STOCK = "in_stock"
    BACKORDER = "backorder"
    OUT_OF_STOCK = "out_of_stock"


@_direct_init
@dataclass(frozen=True, slots=True)
class Variant:
    """A sellable unit. Simple WooCommerce products become one variant whose id is the product's.

    ``available`` may be negative: units sold beyond stock are backordered units.
    ``committed`` is sold but not shipped; ``incoming`` is what the platform reports as on its way.
    ``eta_label`` and ``eta_date`` are what the storefront currently shows under our own key
    (Shopify metafield, WooCommerce meta), so the plan can tell whether a change is needed.
    ``untracked_status`` says whether an untracked variant sells, and whether what it sells waits.
    """

    shop: str
    platform_id: str
    product_id: str
    sku: str
    title: str
    price: Money
    updated_at: datetime
    tracked: bool = True
    available: int = 0
    committed: int = 0
    incoming: int = 0
    inventory_policy: InventoryPolicy = InventoryPolicy.DENY
    tags: frozenset[str] = frozenset()
    release_date: date | None = None
    eta_label: str | None = None
    eta_date: date | None = None
    inventory_item_id: str = ""
    untracked_status: StockStatus = StockStatus.IN_STOCK
    """Meaningful only when ``tracked`` is false: see :class:`StockStatus`."""
    stock_pool: str = ""
    """The stock count this variant sells from when it shares it with other variants (a
    WooCommerce variation whose stock is managed on its parent: the parent's id); "" when the
    variant has its own. Variants of one pool report the pool's ``available``."""

    @property
    def may_be_short(self) -> bool:
        """Whether units sold can be waiting: counted stock below zero, or an uncounted variant
        its owner marked on backorder or out of stock."""
        if self.tracked:
            return self.available < 0
        return self.untracked_status is not StockStatus.IN_STOCK


@_direct_init
@dataclass(frozen=True, slots=True)
class Customer:
    shop: str
    email: str
    name: str = ""
    locale: str | None = None
    tags: frozenset[str] = frozenset()
    platform_id: str | None = None


class OrderStatus(enum.StrEnum):
    """Where an order stands, platform-neutral.

    ``PENDING`` holds no stock yet (WooCommerce pending/checkout-draft/failed); ``OPEN`` holds stock
    and waits to ship; ``CLOSED`` is fully fulfilled; ``CANCELLED`` covers cancelled, refunded, trash.
    """

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@_direct_init
@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order.

    ``quantity`` is the line's quantity as the platform keeps it (Shopify: as ordered, edits and refunds
    leave it; WooCommerce: after admin edits); ``cancelled`` counts the units removed or refunded from it
    since, and ``fulfilled`` the units shipped, so ``open_quantity`` takes each off once. ``backordered_at_order`` is the shortfall the platform recorded
    at checkout when it recorded one (WooCommerce "Backordered" meta), else ``None``: the engine
    computes shortfalls itself and uses this as a cross-check only. ``on_hold`` is true when our own
    fulfillment hold covers the line. ``refunded`` is the money the shop recorded as refunded for
    the line (its refunds, tax included), ``None`` when it recorded none: what we tell a customer
    about money comes from here only, never from a price times the units cancelled.
    """

    platform_id: str
    order_id: str
    variant_id: str | None
    sku: str
    title: str
    quantity: int
    price: Money
    fulfilled: int = 0
    cancelled: int = 0
    backordered_at_order: int | None = None
    preorder: bool = False
    selling_plan: str | None = None
    on_hold: bool = False
    refunded: Money | None = None

    @property
    def open_quantity(self) -> int:
        """Units still to ship."""
        return max(0, self.quantity - self.fulfilled - self.cancelled)


@_direct_init
@dataclass(frozen=True, slots=True)
class Order:
    shop: str
    platform_id: str
    number: str
    created_at: datetime
    updated_at: datetime
    status: OrderStatus
    currency: str
    customer: Customer
    lines: tuple[OrderLine, ...] = ()
    locale: str | None = None
    tags: frozenset[str] = frozenset()
    cancelled_at: datetime | None = None
    note: str = ""

    @property
    def customer_locale(self) -> str | None:
        return self.locale or self.customer.locale


@_direct_init
@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """Incoming supply for one SKU: a supplier's purchase order, or the shop's own incoming stock."""

    id: str
    shop: str
    sku: str
    quantity: int
    expected_date: date | None
    supplier: str = ""
    received: int = 0
    created_at: datetime | None = None
    reference: str = ""
    reason: str = ""
    """The owner's words for the customer when this supply is late ("The factory closes for the
    holidays"), in the shop's language; never shown: the id, reference or supplier."""

    @property
    def outstanding(self) -> int:
        return max(0, self.quantity - self.received)


@plan_record
class BackorderEntry:
    """One waiting order line in a SKU's queue, as the engine placed it."""

    shop: str
    sku: str
    order_id: str
    line_id: str
    customer_email: str
    ordered_at: datetime
    waiting: int
    allocated: int = 0
    position: int = 0
    priority: int = 0
    preorder: bool = False
    eta: date | None = None
    reason: str = ""


class BackorderEventKind(enum.StrEnum):
    DETECTED = "detected"
    ALLOCATED = "allocated"
    ETA_SET = "eta_set"
    DELAYED = "delayed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    SOLD_OUT = "sold_out"
    RESUMED = "resumed"


@plan_record
class BackorderEvent:
    """One line of the append-only backorder history: who, which line, how many, when, what happened."""

    shop: str
    at: datetime
    kind: BackorderEventKind
    sku: str
    quantity: int
    order_id: str = ""
    line_id: str = ""
    customer_email: str = ""
    eta: date | None = None
    old_eta: date | None = None
    detail: str = ""


@_direct_init
@dataclass(frozen=True, slots=True)
class SkippedPayload:
    """A platform payload an adapter could not turn into the model: recorded with its reason, never lost."""

    shop: str
    resource: str
    platform_id: str
    reason: str
    payload: str = field(default="", repr=False)
