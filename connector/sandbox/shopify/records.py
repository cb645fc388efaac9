"""The sandbox store's records: compact objects (``__slots__``, shared strings, integer ids).

A benchmark store holds 100k variants and a million order lines, so every record is small and ids are
plain integers, turned into Shopify GIDs (``gid://shopify/Order/12``) only on the way out.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "SCustomer",
    "SFulfillmentOrder",
    "SHold",
    "SLine",
    "SMetafield",
    "SOrder",
    "SProduct",
    "SRefund",
    "SVariant",
    "SWebhook",
    "gid",
    "iso",
    "money_bag",
    "parse_gid",
]


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str, kind: str | None = None) -> tuple[str, int] | None:
    """``(kind, number)`` of a GID, or None when it is not one (or not of ``kind``)."""
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return None
    rest = value[len("gid://shopify/") :].split("?", 1)[0]
    parts = rest.split("/")
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    if kind is not None and parts[0] != kind:
        return None
    return parts[0], int(parts[1])


METAFIELD_NAMESPACE = "backorder_connector"
RELEASE_DATE_KEY = "release_date"
"""Where a pre-order product's release date lives: a ``date`` metafield on the product."""


def money_bag(amount: Decimal | str) -> dict[str, Any]:
    """Shopify's ``MoneyBag`` in the shop's currency (the sandbox sells in USD): a ``Decimal`` is
    written with two decimals, a string (prices are kept as the shop wrote them) as it is."""
    text = f"{amount:.2f}" if isinstance(amount, Decimal) else amount
    return {"shopMoney": {"amount": text, "currencyCode": "USD"}}


def iso(moment: datetime | None) -> str | None:
    """Shopify's DateTime format: UTC with a ``Z`` and whole seconds."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class SProduct:
    __slots__ = (
        "created_at",
        "handle",
        "id",
        "metafields",
        "product_type",
        "status",
        "tags",
        "title",
        "updated_at",
        "variant_ids",
        "vendor",
    )

    def __init__(  # noqa: PLR0917 - compact records, built in hot loops
        self,
        id: int,
        title: str,
        product_type: str,
        vendor: str,
        tags: list[str],
        at: datetime,
    ) -> None:
        self.id = id
        self.title = title
        self.handle = title.lower().replace(" ", "-")
        self.product_type = product_type
        self.vendor = vendor
        self.status = "ACTIVE"
        self.tags = tags
        self.created_at = at
        self.updated_at = at
        self.variant_ids: list[int] = []
        self.metafields: list[SMetafield] | None = None

    @property
    def release_date(self) -> date | None:
        """A pre-order's release date: the product metafield the connector reads, as a date."""
        for field in self.metafields or ():
            if (field.namespace, field.key) == (METAFIELD_NAMESPACE, RELEASE_DATE_KEY):
                try:
                    return date.fromisoformat(field.value[:10])
                except ValueError:
                    return None
        return None


class SMetafield:
    __slots__ = ("id", "key", "namespace", "type", "updated_at", "value")

    def __init__(  # noqa: PLR0917 - compact records, built in hot loops
        self, id: int, namespace: str, key: str, value: str, type: str, at: datetime
    ) -> None:
        self.id = id
        self.namespace = namespace
        self.key = key
        self.value = value
        self.type = type
        self.updated_at = at

    @property
    def compare_digest(self) -> str:
        return hashlib.sha256(f"{self.value}|{self.type}".encode()).hexdigest()


class SVariant:
    __slots__ = (
        "available",
        "committed",
        "created_at",
        "id",
        "incoming",
        "metafields",
        "policy",
        "price",
        "product_id",
        "sku",
        "title",
        "tracked",
        "updated_at",
    )

    def __init__(  # noqa: PLR0917 - compact records, built in hot loops
        self,
        id: int,
        product_id: int,
        title: str,
        sku: str,
        price: str,
        available: int,
        tracked: bool,
        policy: str,
        at: datetime,
    ) -> None:
        self.id = id
        self.product_id = product_id
        self.title = title
        self.sku = sku
        self.price = price
        self.available = available
        self.committed = 0
        self.incoming = 0
        self.tracked = tracked
        self.policy = policy
        self.created_at = at
        self.updated_at = at
        self.metafields: list[SMetafield] | None = None


class SCustomer:
    __slots__ = ("email", "first_name", "id", "last_name", "locale", "tags")

    def __init__(  # noqa: PLR0917 - compact records, built in hot loops
        self, id: int, email: str, first: str, last: str, locale: str, tags: list[str]
    ) -> None:
        self.id = id
        self.email = email
        self.first_name = first
        self.last_name = last
        self.locale = locale
        self.tags = tags


class SLine:
    __slots__ = (
        "added_by_edit",
        "current",
        "fulfilled",
        "id",
        "order_id",
        "preorder",
        "price",
        "quantity",
        "sku",
        "title",
        "variant_id",
    )

    def __init__(  # noqa: PLR0917 - compact records, built in hot loops
        self,
        id: int,
        order_id: int,
        variant: SVariant,
        title: str,
        quantity: int,
        preorder: bool,
    ) -> None:
        self.id = id
        self.order_id = order_id
        self.variant_id = variant.id
        self.sku = variant.sku
        self.title = title
        self.price = variant.price
        self.quantity = quantity
        self.current = quantity
        self.fulfilled = 0
        self.preorder = preorder
        self.added_by_edit = False
        """Added by an order edit after payment: its price was not paid (the customer paid the
        line it replaced), so it adds nothing to what can be refunded."""


class SHold:
    __slots__ = ("handle", "id", "ours", "reason")

    def __init__(self, id: int, handle: str | None, reason: str, ours: bool) -> None:
        self.id = id
        self.handle = handle
        self.reason = reason
        self.ours = ours


class SFulfillmentOrder:
    """``remaining`` maps line id to (total, remaining) on this fulfillment order."""

    __slots__ = (
        "created_at",
        "holds",
        "id",
        "order_id",
        "remaining",
        "request_status",
        "status",
        "updated_at",
    )

    def __init__(self, id: int, order_id: int, at: datetime) -> None:
        self.id = id
        self.order_id = order_id
        self.status = "OPEN"
        self.request_status = "UNSUBMITTED"
        """SUBMITTED once sent to a fulfillment service (a warehouse): Shopify then allows no hold."""
        self.created_at = at
        self.updated_at = at
        self.remaining: dict[int, list[int]] = {}
        self.holds: list[SHold] = []


class SOrder:
    __slots__ = (
        "cancelled_at",
        "created_at",
        "customer_id",
        "email",
        "financial",
        "fo_ids",
        "gateway",
        "id",
        "line_ids",
        "locale",
        "note",
        "number",
        "payments",
        "refunds",
        "tags",
        "test",
        "updated_at",
    )

    def __init__(
        self, id: int, number: int, customer: SCustomer, at: datetime, locale: str | None
    ) -> None:
        self.id = id
        self.number = number
        self.customer_id = customer.id
        self.email = customer.email
        self.created_at = at
        self.updated_at = at
        self.cancelled_at: datetime | None = None
        self.note: str | None = None
        self.tags: list[str] = []
        self.line_ids: list[int] = []
        self.fo_ids: list[int] = []
        self.locale = locale
        self.financial = "PAID"
        """``displayFinancialStatus``: PAID, PENDING (bank transfer, manual payment), VOIDED..."""
        self.gateway = "shopify_payments"
        """The payment's gateway; "manual" (cash, bank deposit) returns no money by API."""
        self.test = False
        """A test order (Shopify's Bogus gateway or test mode): it still commits stock."""
        self.refunds: list[SRefund] | None = None
        """The order's refunds, oldest first (None until the first: most orders have none)."""
        self.payments: Any = None
        """Its transactions and invoices (``sandbox.shopify.payments``), None until the first."""


class SRefund:
    """One refund of an order: the money that moved and the line items it names.

    ``amount`` is what its transactions returned to the customer (``totalRefundedSet``); each
    entry of ``lines`` is (line id, quantity, subtotal), the subtotal being the line's price
    times the quantity as Shopify calculates it, whatever money moved. A refund that only
    restocks has ``amount`` "0.00" and still names its lines with their subtotals (Shopify books
    the difference as an order adjustment).
    """

    __slots__ = ("amount", "created_at", "id", "lines", "order_id")

    def __init__(
        self, id: int, order_id: int, amount: str, lines: list[tuple[int, int, str]], at: datetime
    ) -> None:
        self.id = id
        self.order_id = order_id
        self.amount = amount
        self.lines = lines
        self.created_at = at


class SWebhook:
    __slots__ = ("created_at", "id", "topic", "uri")

    def __init__(self, id: int, topic: str, uri: str, at: datetime) -> None:
        self.id = id
        self.topic = topic
        self.uri = uri
        self.created_at = at
