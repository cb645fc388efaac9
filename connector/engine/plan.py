"""The plan: only what differs from what the shop shows now, plus the notifications and history.

Pieces here turn the engine's per-SKU decisions into :class:`~connector.model.Plan` items: variant
policy and ETA changes, product tag changes (tags live on products, so the variants' wishes are
merged), and order holds, releases and tags. Customer notifications are built in :mod:`.events`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache

from connector.engine.policies import ManagedTags
from connector.engine.storefront import Availability, Desired
from connector.model import (
    BackorderEntry,
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


def hold_handle(order_id: str, line_ids: Iterable[str]) -> str:
    """Deterministic handle of our hold over exactly ``line_ids`` of an order.

    A rerun finds its own hold; a different set of waiting lines gets a different handle (Shopify
    wants a handle unique per fulfillment order, and a new hold replaces the old one).
    """
    return _handle(order_id, sorted(line_ids))


def _handle(order_id: str, sorted_ids: Sequence[str]) -> str:
    seed = order_id + "|" + ",".join(sorted_ids)
    return "bc-" + hashlib.sha1(seed.encode()).hexdigest()[:10]


@lru_cache(maxsize=256)
def _sorted_tags(tags: frozenset[str]) -> tuple[str, ...]:
    """Tag sets repeat across orders (mostly one tag): one shared tuple per set."""
    return tuple(sorted(tags))


def variant_changes(
    shop: str, variant: Variant, desired: Desired, now: datetime, rule: str = ""
) -> tuple[list[StorefrontChange], list[BackorderEvent]]:
    """Policy and ETA-label changes for one variant, and the sold-out / resumed history they mean;
    ``rule`` names the policy that decided them (see ``StorefrontChange.rule``)."""
    changes: list[StorefrontChange] = []
    events: list[BackorderEvent] = []
    if desired.state is Availability.UNMANAGED:
        return changes, events
    if desired.policy is not None and desired.policy is not variant.inventory_policy:
        # Positional, in field order (shop, kind, product_id, variant_id, sku, policy, tags,
        # eta_label, eta_date, reason, rule): a cold plan of the benchmark shop makes 90k.
        changes.append(
            StorefrontChange(
                shop,
                ChangeKind.INVENTORY_POLICY,
                variant.product_id,
                variant.platform_id,
                variant.sku,
                desired.policy,
                (),
                None,
                None,
                desired.reason,
                rule,
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
                rule=rule,
            )
        )
    return changes, events


def product_tag_changes(
    shop: str, product: Product, wanted: Iterable[str], managed: ManagedTags, rule: str = ""
) -> list[StorefrontChange]:
    """Add the tags the product's variants want, remove our tags they no longer want."""
    wanted_set = set(wanted)
    have = product.tags
    add = sorted(wanted_set - have)
    remove = sorted(managed.of(have) - wanted_set)
    changes = []
    if add:
        changes.append(
            StorefrontChange(
                shop, ChangeKind.ADD_TAGS, product.platform_id, tags=tuple(add), rule=rule
            )
        )
    if remove:
        changes.append(
            StorefrontChange(
                shop, ChangeKind.REMOVE_TAGS, product.platform_id, tags=tuple(remove), rule=rule
            )
        )
    return changes


def order_actions(
    shop: str,
    order: Order,
    hold: Sequence[BackorderEntry] | None,
    wanted_tags: Iterable[str],
    managed: ManagedTags,
) -> list[OrderAction]:
    """Make our hold cover exactly the waiting lines, and keep the order's tags in step.

    ``hold`` None leaves the hold alone; otherwise it lists every waiting entry of the order
    (what our hold should cover: each line with its waiting units), and any hold of ours on the
    order is released first (listed before the new hold, so both adapters apply them in that
    order). The release names no handle and no lines: both adapters then lift every hold of ours
    on the order, whatever handle an earlier plan gave it.
    """
    actions: list[OrderAction] = []
    order_id = order.platform_id
    if hold is not None:
        email = order.customer.email
        for line in order.lines:
            if line.on_hold:
                actions.append(
                    OrderAction(
                        shop=shop,
                        kind=OrderActionKind.RELEASE_HOLD,
                        order_id=order_id,
                        customer_email=email,
                    )
                )
                break
        if hold:
            lines: tuple[tuple[str, int], ...]
            if len(hold) == 1:  # most orders wait on one line: no sort, no list
                only = hold[0]
                dated = only.eta is not None
                lines = ((only.line_id, only.waiting),)
                handle = _handle(order_id, (only.line_id,))
            else:
                dated = all(entry.eta is not None for entry in hold)
                lines = tuple(sorted((entry.line_id, entry.waiting) for entry in hold))
                handle = _handle(order_id, [line_id for line_id, _ in lines])
            # Positional, in field order (shop, kind, order_id, lines, hold_reason, handle, tags,
            # note, discount_code, discount_percent, customer_email): one per waiting order.
            actions.append(
                OrderAction(
                    shop,
                    OrderActionKind.HOLD_LINES,
                    order_id,
                    lines,
                    "INVENTORY_OUT_OF_STOCK" if dated else "UNKNOWN_DELIVERY_DATE",
                    handle,
                    (),
                    "",
                    "",
                    None,
                    email,
                )
            )
    wanted_set = wanted_tags if isinstance(wanted_tags, frozenset) else frozenset(wanted_tags)
    have = order.tags
    add = wanted_set - have if have else wanted_set
    if add:
        # Positional (shop, kind, order_id, lines, hold_reason, handle, tags): one per waiting
        # order in a cold plan.
        actions.append(
            OrderAction(shop, OrderActionKind.ADD_TAGS, order_id, (), "", "", _sorted_tags(add))
        )
    if have:
        remove = managed.of(have) - wanted_set
        if remove:
            actions.append(
                OrderAction(
                    shop, OrderActionKind.REMOVE_TAGS, order_id, (), "", "", _sorted_tags(remove)
                )
            )
    return actions
