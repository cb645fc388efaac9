"""What the engine decides from: one shop's state, frozen, plus the changes for an incremental plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from connector.model import BackorderEntry, Order, Product, PurchaseOrder, Shop, Variant

__all__ = ["EngineState", "StateDelta"]


@dataclass(frozen=True, slots=True)
class EngineState:
    """One shop as the engine sees it.

    ``orders`` are the open orders plus the recently changed ones (cancelled or closed orders matter
    when a line of theirs was waiting in ``previous_queue``). ``previous_queue`` is the queue the last
    plan promised (with its ETAs); events are the difference between it and the new queue.
    ``last_contacted`` maps an order id to the last time its customer heard from us about a waiting
    line; it drives the reminder cadence (:mod:`connector.planning` derives it from the event history).
    ``heads_up`` holds the (line id, promised date) pairs whose customer already had the "ships in
    N days" heads-up (:func:`connector.engine.events.heads_up_told` reads them from the history).
    """

    shop: Shop
    products: tuple[Product, ...] = ()
    variants: tuple[Variant, ...] = ()
    orders: tuple[Order, ...] = ()
    purchase_orders: tuple[PurchaseOrder, ...] = ()
    previous_queue: tuple[BackorderEntry, ...] = ()
    last_contacted: Mapping[str, datetime] = field(default_factory=dict)
    heads_up: frozenset[tuple[str, date]] = frozenset()
    news_owed: frozenset[str] = frozenset()
    quiet_before: datetime | None = None
    """Orders placed up to this instant (the connector's first sync of the shop, unless the shop
    asks ``notify_existing``) queue and are held like any other, but get no confirmation."""
    """Orders whose customer has news held back (a reminder that came too soon after another
    mail): they get a reminder with their dates once ``reminder_min_gap_hours`` have passed."""


@dataclass(frozen=True, slots=True)
class StateDelta:
    """What changed since the state an :class:`~connector.engine.Engine` last saw.

    Upserts replace the record with the same platform id (purchase orders: the same id). An order
    that left the database can be sent with its new status (cancelled or closed) instead.
    """

    products: tuple[Product, ...] = ()
    variants: tuple[Variant, ...] = ()
    orders: tuple[Order, ...] = ()
    purchase_orders: tuple[PurchaseOrder, ...] = ()
    removed_purchase_orders: tuple[str, ...] = ()
    contacted: Mapping[str, datetime] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.products
            or self.variants
            or self.orders
            or self.purchase_orders
            or self.removed_purchase_orders
        )
