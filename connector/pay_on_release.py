"""Pre-orders paid on release where the order waits unpaid in the shop (WooCommerce core).

Core WooCommerce has no deposits and charges no stored card later (docs/payments-woocommerce.md).
Under a ``mode = "preorder"`` policy with ``payment = "on_release"`` the customer's order waits in
``pending``: WooCommerce holds no stock for it and has taken no money. The connector never writes
an order's status (its holds and tags are order meta and internal notes), so the order stays
``pending`` until the customer pays; the shop's own "pay for order" page (``payment_url``) moves
it to ``processing`` and from then on it is an ordinary open order for the engine.

What this module adds: once the release date has come and the shop's free stock covers the order
(pending orders are served oldest first, each SKU's free units counted once), the customer is sent
one ``payment_due`` email with the order's payment link. The outbox's idempotency key (shop, order,
lines, kind, release date) makes that exactly once, however many cycles see the order. The link
is asked of the adapter at that moment, only for orders the shop says still need payment; a shop
that cannot be asked (another platform) or does not answer gets no email this cycle, and the next
cycle asks again.

:func:`awaiting_payment` is pure (what ``connector plan`` and ``connector backorders`` show);
:func:`request_payments` is the I/O step the daemon's cycle runs after its plan is applied.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from connector.engine.notifications import to_customer
from connector.engine.policies import ManagedTags, match_policy
from connector.engine.sku import release_of
from connector.errors import ConnectorError
from connector.model import (
    Notification,
    NotificationKind,
    NotificationLine,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    StockStatus,
    Variant,
    utc,
)
from connector.settings import PolicyMode, PolicySettings, Settings

__all__ = [
    "AwaitingPayment",
    "PaymentLinks",
    "awaiting_payment",
    "owner_lines",
    "payment_due_notification",
    "request_payments",
    "shop_today",
]

log = logging.getLogger(__name__)


@runtime_checkable
class PaymentLinks(Protocol):
    """An adapter that can say where an unpaid order is paid (WooCommerce's ``payment_url``)."""

    def payment_links(self, order_ids: Sequence[str]) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class AwaitingPayment:
    """A pending order with lines under a pay-on-release pre-order policy."""

    order: Order
    lines: tuple[OrderLine, ...]
    policy: PolicySettings
    release: date | None
    released: bool
    due: bool
    """Released and covered by free stock: its payment link is due (emailed once)."""

    @property
    def state(self) -> str:
        """What the owner reads about it."""
        if self.due:
            return "released: its payment link is emailed to the customer (once)"
        if self.released:
            return "released: waits for stock before its payment link is emailed"
        if self.release is None:
            return "no release date yet"
        return f"waits for the release on {self.release.isoformat()}"


def shop_today(settings: Settings, shop: str, now: datetime) -> date:
    """The shop's local date, as the engine reckons a release day."""
    try:
        zone = ZoneInfo(settings.shop(shop).timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return utc(now).astimezone(zone).date()


def _pays_on_release(policy: PolicySettings) -> bool:
    return policy.mode is PolicyMode.PREORDER and policy.payment == "on_release"


def awaiting_payment(
    orders: Iterable[Order],
    variants: Iterable[Variant],
    products: Iterable[Product],
    *,
    settings: Settings,
    shop: str,
    today: date,
) -> list[AwaitingPayment]:
    """Every pending order of ``shop`` waiting to be paid on release, oldest first, with whether
    its payment link is due (released, and the free stock covers it after older ones)."""
    policies = tuple(settings.policies)
    if not any(_pays_on_release(p) for p in (*policies, settings.default_policy)):
        return []
    managed = ManagedTags((*policies, settings.default_policy))
    by_id = {v.platform_id: v for v in variants}
    by_sku = {v.sku: v for v in by_id.values() if v.sku}
    product_of = {p.platform_id: p for p in products}
    free: dict[str, int] = {}
    found: list[AwaitingPayment] = []
    pending = sorted(
        (o for o in orders if o.status is OrderStatus.PENDING),
        key=lambda o: (o.created_at, o.platform_id),
    )
    for order in pending:
        lines: list[OrderLine] = []
        ruling: tuple[PolicySettings, date | None] | None = None
        wanted: dict[str, int] = {}
        for line in order.lines:
            variant = by_id.get(line.variant_id or "") or by_sku.get(line.sku)
            if variant is None or line.open_quantity <= 0:
                continue
            policy = match_policy(
                shop,
                variant,
                product_of.get(variant.product_id),
                policies=policies,
                default=settings.default_policy,
                ignore=managed,
            )
            if not _pays_on_release(policy):
                continue
            release = release_of(policy, variant)
            lines.append(line)
            if ruling is None or (release or date.max) > (ruling[1] or date.max):
                ruling = (policy, release)
            key = variant.stock_pool or variant.platform_id  # variations selling one count
            if key not in free:
                free[key] = _free_stock(variant)
            wanted[key] = wanted.get(key, 0) + line.open_quantity
        if not lines or ruling is None:
            continue
        policy, release = ruling
        released = release is not None and today >= release
        covered = all(free[key] >= units for key, units in wanted.items())
        due = released and covered
        if released:
            # Oldest first: an order waiting for stock keeps its units from newer ones.
            for key, units in wanted.items():
                free[key] -= units
        found.append(AwaitingPayment(order, tuple(lines), policy, release, released, due))
    return found


def _free_stock(variant: Variant) -> int:
    # A pending order holds no stock in WooCommerce: what the shop counts is free for it.
    if not variant.tracked:
        return 1 << 60 if variant.untracked_status is StockStatus.IN_STOCK else 0
    return max(0, variant.available)


_WHOLE_CATALOG_ABOVE = 200
"""Distinct SKUs in pending orders above which one read of the whole catalog is cheaper."""


def _catalog(store: Any, shop: str, orders: Sequence[Order]) -> tuple[list[Variant], list[Product]]:
    """The variants and products of the SKUs in ``orders`` (pending orders are few next to a
    catalog of 100,000 variants, and this runs every cycle)."""
    skus = {line.sku for order in orders for line in order.lines if line.sku}
    if len(skus) > _WHOLE_CATALOG_ABOVE:
        return store.variants(shop), store.products(shop)
    variants = [v for v in (store.variant_by_sku(shop, sku) for sku in sorted(skus)) if v]
    products = [
        p
        for p in (store.product(shop, pid) for pid in sorted({v.product_id for v in variants}))
        if p
    ]
    return variants, products


def payment_due_notification(
    entry: AwaitingPayment, url: str, shop: str, now: datetime
) -> Notification:
    """The ``payment_due`` email of one released order (its key: order, lines, release date)."""
    order = entry.order
    lines = (
        NotificationLine(
            line.platform_id, line.sku, line.title, line.open_quantity, price=line.price
        )
        for line in entry.lines
    )
    return to_customer(
        shop,
        NotificationKind.PAYMENT_DUE,
        order,
        lines,
        now,
        promised_date=entry.release,
        release_date=entry.release,
        payment_terms=entry.policy.payment_terms,
        payment_url=url,
    )


class _Outbox(Protocol):
    def enqueue(self, notifications: Iterable[Notification], shop: Any) -> int: ...


def request_payments(
    store: Any, adapter: object, outbox: _Outbox, *, settings: Settings, shop: str, now: datetime
) -> int:
    """Queue the ``payment_due`` emails now due for ``shop``; returns how many are new.

    Reads the pending orders, catalog and policies from ``store``; asks ``adapter`` for the links
    (nothing is queued without one). A shop that does not answer is logged and asked again next
    cycle: nothing is lost, and nothing is sent twice.
    """
    if not any(_pays_on_release(p) for p in (*settings.policies, settings.default_policy)):
        return 0
    if not isinstance(adapter, PaymentLinks):
        return 0
    orders = store.orders(shop, statuses=[OrderStatus.PENDING])
    if not orders:
        return 0
    found = awaiting_payment(
        orders,
        *_catalog(store, shop, orders),
        settings=settings,
        shop=shop,
        today=shop_today(settings, shop, now),
    )
    due = [entry for entry in found if entry.due]
    if not due:
        return 0
    try:
        links = adapter.payment_links([entry.order.platform_id for entry in due])
    except ConnectorError as error:
        log.warning("%s: payment links not read, asking again next cycle: %s", shop, error)
        return 0
    notifications = [
        payment_due_notification(entry, links[entry.order.platform_id], shop, now)
        for entry in due
        if entry.order.platform_id in links
    ]
    return outbox.enqueue(notifications, settings.shop(shop)) if notifications else 0


def owner_lines(store: Any, settings: Settings, shop: str, now: datetime) -> list[str]:
    """What ``connector backorders`` and ``connector plan`` print about ``shop``'s orders waiting
    to be paid on release: one line each, oldest first."""
    if not any(_pays_on_release(p) for p in (*settings.policies, settings.default_policy)):
        return []
    orders = store.orders(shop, statuses=[OrderStatus.PENDING])
    if not orders:
        return []
    found = awaiting_payment(
        orders,
        *_catalog(store, shop, orders),
        settings=settings,
        shop=shop,
        today=shop_today(settings, shop, now),
    )
    return [
        f"order {entry.order.number}  {entry.order.customer.email}  "
        + ", ".join(f"{line.open_quantity} x {line.sku}" for line in entry.lines)
        + f"  pay on release, pending in the shop: {entry.state}  [policy {entry.policy.name}]"
        for entry in found
    ]
