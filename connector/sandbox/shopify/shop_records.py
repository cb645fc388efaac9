"""The sandbox shop's records: one table per kind, the ids they take, and the order touch.

:class:`~connector.sandbox.shopify.store.ShopData` builds on it with the rules Shopify applies
(checkout and stock in ``store``, fulfillment orders, metafields).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from connector.clock import FrozenClock
from connector.sandbox.shopify.collections import SCollection
from connector.sandbox.shopify.records import (
    SCustomer,
    SFulfillmentOrder,
    SLine,
    SOrder,
    SProduct,
    SVariant,
    SWebhook,
)

__all__ = ["Emit", "ShopRecords"]

Emit = Callable[[str, dict[str, Any]], None]


class ShopRecords:
    """All records of one sandbox shop, by id; the caller holds :attr:`lock` around any change."""

    def __init__(self, clock: FrozenClock, emit: Emit | None = None) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.emit: Emit = emit or (lambda topic, payload: None)
        self.failing_writes = False
        self.locations = 1
        """How many locations stock every tracked item (its stock is spread over them)."""
        self.clear()

    def clear(self) -> None:
        self.products: dict[int, SProduct] = {}
        self.variants: dict[int, SVariant] = {}
        self.by_sku: dict[str, int] = {}
        self.customers: dict[int, SCustomer] = {}
        self.by_email: dict[str, int] = {}
        self.orders: dict[int, SOrder] = {}
        self.lines: dict[int, SLine] = {}
        self.fulfillment_orders: dict[int, SFulfillmentOrder] = {}
        self.webhooks: dict[int, SWebhook] = {}
        self.discount_codes: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, Any] = {}
        """``@idempotent`` keys already used, with the answer their mutation gave."""
        self.metafield_definitions: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.order_money: dict[int, Any] = {}
        """Order id -> its taxes, shipping and payment terms (``order_money.OrderMoneyTerms``)."""
        self.collections: dict[int, SCollection] = {}
        self.edit_staff_notes: dict[int, list[str]] = {}
        """Order id -> the staff notes its committed edits carried (the order's timeline)."""
        self._next = 1000

    def next_id(self) -> int:
        self._next += 1
        return self._next

    def variant_by_sku(self, sku: str) -> SVariant:
        try:
            return self.variants[self.by_sku[sku]]
        except KeyError:
            raise ValueError(f"no variant with SKU {sku!r}") from None

    def touch_order(self, order: SOrder, topic: str = "orders/updated") -> None:
        order.updated_at = self.clock()
        self.emit(topic, {"order": order.id})
