"""The plan: only what differs from what the shop shows now, plus the notifications and history.

Pieces here turn the engine's per-SKU decisions into :class:`~connector.model.Plan` items: variant
policy and ETA changes, product tag changes (tags live on products, so the variants' wishes are
merged), and order holds, releases and tags. Customer notifications are built in :mod:`.events`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from connector.engine.policies import ManagedTags
from connector.engine.storefront import Availability, Desired
from connector.model import (
    BackorderEvent,
    BackorderEventKind,
    ChangeKind,
    InventoryPolicy,
    Order,
    OrderAction,
    OrderActionKind,
    Product,
    StorefrontChange,
    Variant,
)

__all__ = ["hold_handle", "order_actions", "product_tag_changes", "variant_changes"]


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
