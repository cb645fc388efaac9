"""The plan: only what differs from what the shop shows now, plus the notifications and history.

Pieces here turn the engine's per-SKU decisions into :class:`~connector.model.Plan` items: variant
policy and ETA changes, product tag changes (tags live on products, so the variants' wishes are
merged), order holds, releases and tags, and customer notifications grouped per order and kind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from connector.engine.events import LineNotice
from connector.engine.policies import ManagedTags
from connector.engine.storefront import Availability, Desired
from connector.model import (
    BackorderEvent,
    BackorderEventKind,
    ChangeKind,
    InventoryPolicy,
    Notification,
    NotificationKind,
    NotificationLine,
    Order,
    OrderAction,
    OrderActionKind,
    Product,
    StorefrontChange,
    Variant,
)
from connector.settings import PolicySettings

__all__ = [
    "hold_handle",
    "notification_for",
    "order_actions",
    "product_tag_changes",
    "variant_changes",
]


def hold_handle(order_id: str) -> str:
    """Deterministic handle of our fulfillment hold on an order, so a rerun finds its own hold."""
    return "bc-" + hashlib.sha1(order_id.encode()).hexdigest()[:10]


def variant_changes(
    shop: str, variant: Variant, desired: Desired, now: datetime
) -> tuple[list[StorefrontChange], list[BackorderEvent]]:
    """Policy and ETA-label changes for one variant, and the sold-out / resumed history they mean."""
    changes: list[StorefrontChange] = []
    events: list[BackorderEvent] = []
    if desired.state is Availability.UNMANAGED:
        return changes, events
    if desired.policy is not None and desired.policy is not variant.inventory_policy:
        changes.append(
            StorefrontChange(
                shop=shop,
                kind=ChangeKind.INVENTORY_POLICY,
                product_id=variant.product_id,
                variant_id=variant.platform_id,
                sku=variant.sku,
                policy=desired.policy,
                reason=desired.reason,
            )
        )
        if desired.state is Availability.SOLD_OUT:
            kind = BackorderEventKind.SOLD_OUT
        elif desired.policy is InventoryPolicy.CONTINUE and desired.state in (
            Availability.BACKORDER,
            Availability.PREORDER,
        ):
            kind = BackorderEventKind.RESUMED
        else:
            kind = None
        if kind is not None:
            events.append(
                BackorderEvent(
                    shop=shop,
                    at=now,
                    kind=kind,
                    sku=variant.sku,
                    quantity=max(0, -variant.available),
                    eta=desired.eta_date,
                    detail=desired.reason,
                )
            )
    if (desired.eta_label, desired.eta_date) != (variant.eta_label, variant.eta_date):
        changes.append(
            StorefrontChange(
                shop=shop,
                kind=ChangeKind.ETA,
                product_id=variant.product_id,
                variant_id=variant.platform_id,
                sku=variant.sku,
                eta_label=desired.eta_label,
                eta_date=desired.eta_date,
                reason=desired.reason,
            )
        )
    return changes, events


def product_tag_changes(
    shop: str, product: Product, wanted: Iterable[str], managed: ManagedTags
) -> list[StorefrontChange]:
    """Add the tags the product's variants want, remove our tags they no longer want."""
    wanted_set = set(wanted)
    have = product.tags
    add = sorted(wanted_set - have)
    remove = sorted(managed.of(have) - wanted_set)
    changes = []
    if add:
        changes.append(
            StorefrontChange(shop, ChangeKind.ADD_TAGS, product.platform_id, tags=tuple(add))
        )
    if remove:
        changes.append(
            StorefrontChange(shop, ChangeKind.REMOVE_TAGS, product.platform_id, tags=tuple(remove))
        )
    return changes


def order_actions(
    shop: str,
    order: Order,
    *,
    holds: Sequence[tuple[str, int, bool]],
    releases: Sequence[tuple[str, int]],
    wanted_tags: Iterable[str],
    managed: ManagedTags,
) -> list[OrderAction]:
    """Hold the waiting lines, release the served ones, and keep the order's tags in step."""
    actions: list[OrderAction] = []
    handle = hold_handle(order.platform_id)
    email = order.customer.email
    if holds:
        dated = all(has_date for _, _, has_date in holds)
        actions.append(
            OrderAction(
                shop=shop,
                kind=OrderActionKind.HOLD_LINES,
                order_id=order.platform_id,
                lines=tuple(sorted((line_id, units) for line_id, units, _ in holds)),
                hold_reason="INVENTORY_OUT_OF_STOCK" if dated else "UNKNOWN_DELIVERY_DATE",
                handle=handle,
                customer_email=email,
            )
        )
    if releases:
        actions.append(
            OrderAction(
                shop=shop,
                kind=OrderActionKind.RELEASE_HOLD,
                order_id=order.platform_id,
                lines=tuple(sorted(releases)),
                handle=handle,
                customer_email=email,
            )
        )
    wanted_set = set(wanted_tags)
    add = sorted(wanted_set - order.tags)
    remove = sorted(managed.of(order.tags) - wanted_set)
    if add:
        actions.append(
            OrderAction(shop, OrderActionKind.ADD_TAGS, order.platform_id, tags=tuple(add))
        )
    if remove:
        actions.append(
            OrderAction(shop, OrderActionKind.REMOVE_TAGS, order.platform_id, tags=tuple(remove))
        )
    return actions


def _latest(dates: Iterable[date | None]) -> date | None:
    """The last of the dates; None when any is unknown (the order is only as sure as its least)."""
    latest: date | None = None
    for value in dates:
        if value is None:
            return None
        if latest is None or value > latest:
            latest = value
    return latest


def notification_for(
    shop: str,
    order: Order,
    *,
    kind: NotificationKind,
    notices: Sequence[LineNotice],
    now: datetime,
    ships_now: Mapping[str, int],
    waiting_lines: frozenset[str],
    policy: PolicySettings,
) -> Notification:
    """One notification for one order: its lines of ``kind``; a confirmation also lists what ships now."""
    lines = [notice.line for notice in notices]
    if kind in (NotificationKind.BACKORDER_CONFIRMATION, NotificationKind.PREORDER_CONFIRMATION):
        for line in order.lines:
            units = ships_now.get(line.platform_id)
            if units is None and line.platform_id not in waiting_lines:
                units = line.open_quantity
            if units:
                lines.append(
                    NotificationLine(
                        line_id=line.platform_id,
                        sku=line.sku,
                        title=line.title,
                        quantity=units,
                        ships_now=True,
                        price=line.price,
                    )
                )
    waiting = [line for line in lines if not line.ships_now]
    promised = None if kind is NotificationKind.CANCELLATION else _latest(n.eta for n in waiting)
    olds = [n.old_eta for n in waiting if n.old_eta is not None]
    reasons = sorted({notice.reason for notice in notices if notice.reason})
    discount = ""
    if kind is NotificationKind.DELAY and policy.delay_discount_percent:
        discount = delay_discount_code(order.platform_id, promised)
    return Notification(
        shop=shop,
        kind=kind,
        order_id=order.platform_id,
        order_number=order.number,
        email=order.customer.email,
        name=order.customer.name,
        locale=order.customer_locale,
        lines=tuple(lines),
        created_at=now,
        promised_date=promised,
        old_promised_date=max(olds) if olds else None,
        reason="; ".join(reasons),
        payment_terms=policy.payment_terms
        if kind is NotificationKind.PREORDER_CONFIRMATION
        else "",
        discount_code=discount,
    )


def delay_discount_code(order_id: str, promised: date | None) -> str:
    """Deterministic, so a rerun offers the same code instead of minting another."""
    seed = f"{order_id}|{promised.isoformat() if promised else '-'}"
    return "SORRY-" + hashlib.sha1(seed.encode()).hexdigest()[:8].upper()
