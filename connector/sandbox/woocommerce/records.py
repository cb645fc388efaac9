"""Compact records of the WooCommerce sandbox: slotted objects, times as epoch seconds.

The store must hold 100k variants and a million order lines in well under 2 GB, so every record is
a ``__slots__`` class, optional data (meta, notes) stays ``None`` until used, and times are ints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = ["Coupon", "Item", "Line", "Note", "Order", "Refund", "Webhook", "fmt_time"]

Meta = list[list[Any]]
"""Meta entries as ``[id, key, value]`` triples (lists, so an upsert can change the value)."""


def fmt_time(epoch: int | None) -> str | None:
    """WordPress's date format (no zone suffix); the site runs on UTC, so local equals GMT."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


class Item:
    """A product (``simple`` / ``variable``) or a variation; ``parent`` is 0 for products."""

    __slots__ = (
        "backorders",
        "categories",
        "children",
        "created",
        "id",
        "kind",
        "manage_stock",
        "meta",
        "modified",
        "name",
        "parent",
        "price",
        "sku",
        "status",
        "stock",
        "stock_status",
        "tags",
        "total_sales",
    )

    def __init__(
        self, item_id: int, kind: str, name: str, *, sku: str, price: str, now: int
    ) -> None:
        self.id = item_id
        self.kind = kind
        self.name = name
        self.sku = sku
        self.price = price
        self.parent = 0
        self.children: list[int] | None = [] if kind == "variable" else None
        self.manage_stock = False
        self.stock: int | None = None
        self.backorders = "no"
        self.stock_status = "instock"
        self.tags: list[int] | None = None
        self.categories: list[int] | None = None
        self.meta: Meta | None = None
        self.status = "publish"
        self.created = now
        self.modified = now
        self.total_sales = 0


class Line:
    """An order line; ``reduced`` is the stock this line took (WooCommerce's ``_reduced_stock``)."""

    __slots__ = (
        "backordered",
        "id",
        "meta",
        "name",
        "price",
        "product_id",
        "qty",
        "reduced",
        "sku",
        "total",
        "variation_id",
    )

    def __init__(
        self, line_id: int, product_id: int, variation_id: int, qty: int, *, name: str, sku: str
    ) -> None:
        self.id = line_id
        self.product_id = product_id
        self.variation_id = variation_id
        self.qty = qty
        self.name = name
        self.sku = sku
        self.price = ""
        self.reduced = 0
        self.backordered: int | None = None
        self.meta: Meta | None = None
        self.total: str | None = None
        """The line's total when set apart from price x quantity (a REST ``total``)."""


class Note:
    __slots__ = ("author", "created", "customer_note", "id", "text")

    def __init__(self, note_id: int, text: str, customer_note: bool, author: str, now: int) -> None:
        self.id = note_id
        self.text = text
        self.customer_note = customer_note
        self.author = author
        self.created = now


GATEWAY_TITLES = {
    "bacs": "Direct bank transfer",
    "cheque": "Check payments",
    "cod": "Cash on delivery",
    "stripe": "Credit Card (Stripe)",
}
"""Payment gateways an order may name, with the title WooCommerce shows for each."""

REFUND_GATEWAYS = frozenset({"stripe"})
"""Gateways that ``supports('refunds')``: WooCommerce's own bank transfer, cheque and cash on
delivery do not, so ``api_refund`` on their orders fails."""


class Refund:
    """A refund: negative copies of the order lines it refunds, ``(item id, order line, qty,
    refund total)``; the total is what the refund was made with for that line, not its price."""

    __slots__ = ("amount", "created", "id", "items", "reason", "refunded_payment")

    def __init__(self, refund_id: int, now: int, amount: str, reason: str) -> None:
        self.id = refund_id
        self.created = now
        self.amount = amount
        self.reason = reason
        self.refunded_payment = False
        """True when the payment gateway returned the money (``api_refund``)."""
        self.items: list[tuple[int, Line, int, Decimal]] = []


class Order:
    __slots__ = (
        "created",
        "created_via",
        "customer_id",
        "email",
        "first_name",
        "id",
        "last_name",
        "lines",
        "meta",
        "modified",
        "notes",
        "paid",
        "payment_method",
        "refunds",
        "status",
    )

    def __init__(self, order_id: int, now: int) -> None:
        self.id = order_id
        self.status = "pending"
        self.created = now
        self.modified = now
        self.paid: int | None = None
        self.payment_method = "stripe"
        """The gateway's id; only those in ``REFUND_GATEWAYS`` refund by API."""
        self.email = ""
        self.first_name = ""
        self.last_name = ""
        self.customer_id = 0
        self.created_via = "rest-api"
        self.lines: list[Line] = []
        self.meta: Meta | None = None
        self.notes: list[Note] | None = None
        self.refunds: list[Refund] | None = None


class Webhook:
    __slots__ = (
        "created",
        "delivery_url",
        "failures",
        "id",
        "modified",
        "name",
        "secret",
        "status",
        "topic",
    )

    def __init__(self, hook_id: int, topic: str, url: str, secret: str, now: int) -> None:
        self.id = hook_id
        self.topic = topic
        self.delivery_url = url
        self.secret = secret
        self.name = f"Webhook created on {fmt_time(now)}"
        self.status = "active"
        self.failures = 0
        self.created = now
        self.modified: int | None = None


class Coupon:
    __slots__ = ("amount", "code", "created", "discount_type", "emails", "id", "modified", "usage")

    def __init__(self, coupon_id: int, code: str, now: int) -> None:
        self.id = coupon_id
        self.code = code
        self.amount = "0"
        self.discount_type = "fixed_cart"
        self.emails: list[str] = []
        self.usage: int | None = None
        self.created = now
        self.modified = now
