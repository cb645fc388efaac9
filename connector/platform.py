"""The adapter interface: the only door between the core and a platform.

Each platform package in ``adapters/`` provides one class satisfying :class:`PlatformAdapter`, and
:func:`adapters.create_adapter` builds the right one from a shop's settings. The core never imports an
adapter's insides, and nothing platform-shaped comes back through this door: only the common model.

The contract, tested by one suite run against every adapter (``tests/contract/``):

* ``read_changes`` yields pages of model objects changed since ``cursor``; the caller commits each
  page and only then stores ``page.cursor``. Repeats across pages are allowed (overlap windows);
  the state database upserts idempotently.
* ``apply_*`` writes only what the shop does not already show and returns one
  :class:`~connector.model.WriteResult` per item, in input order; one failing item never sinks the
  others. A rerun of the same changes reports ``skipped`` (already so), never applies twice.
* ``parse_webhook`` verifies the signature over the raw bytes (raising
  :class:`~connector.errors.AuthError` when it does not match) and says what to re-read.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from connector.model import (
    Order,
    OrderAction,
    Platform,
    Product,
    SkippedPayload,
    StorefrontChange,
    Variant,
    WriteResult,
)

__all__ = [
    "ApiUsage",
    "ChangePage",
    "CheckReport",
    "GroupMembers",
    "PlatformAdapter",
    "Resource",
    "ResyncTarget",
    "WebhookEvent",
]


class Resource(enum.StrEnum):
    PRODUCTS = "products"
    ORDERS = "orders"


@dataclass(frozen=True, slots=True)
class GroupMembers:
    """Every product in one product group (a Shopify collection) now, read because the group
    changed in a way that moved no product's ``updated_at`` (products put in or taken out by hand).

    ``key`` is the value the adapter puts in ``Product.collections`` for that group (a Shopify
    collection's id); ``product_ids`` the group's products now. The core re-reads each product
    whose stored ``collections`` disagree: the ones that left and the ones that came.
    """

    key: str
    product_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One page of changes. Commit its objects, then save ``cursor`` (None: leave the cursor as is)."""

    resource: Resource
    products: tuple[Product, ...] = ()
    variants: tuple[Variant, ...] = ()
    orders: tuple[Order, ...] = ()
    deleted_product_ids: tuple[str, ...] = ()
    skipped: tuple[SkippedPayload, ...] = ()
    cursor: str | None = None
    memberships: tuple[GroupMembers, ...] = ()
    """Groups whose members changed: settle them (:func:`connector.sync.settle_memberships`)
    before the page's cursor moves."""


@dataclass(frozen=True, slots=True)
class ResyncTarget:
    """What to re-read: some orders, products or SKUs, everything, or nothing (the app was removed)."""

    order_ids: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    everything: bool = False
    uninstalled: bool = False
    order_numbers: tuple[str, ...] = ()
    """Orders by the number a customer and support see (``#1001``, ``1001``): for an order the
    database does not know yet, so no platform id is at hand. The adapter looks them up."""

    @property
    def is_empty(self) -> bool:
        return not (
            self.order_ids or self.order_numbers or self.product_ids or self.skus or self.everything
        )


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified webhook delivery. ``dedupe_key`` is the same for a redelivery of the same event."""

    platform: Platform
    shop: str
    topic: str
    dedupe_key: str
    target: ResyncTarget
    ping: bool = False


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``connector check`` shows for one shop."""

    shop: str
    platform: Platform
    ok: bool
    granted: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ApiUsage:
    """Running totals an adapter keeps for metrics and benchmarks."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    cost: float = 0.0
    errors: int = 0


@runtime_checkable
class PlatformAdapter(Protocol):
    """What the core may ask of a platform."""

    platform: Platform
    shop: str
    usage: ApiUsage

    def check(self) -> CheckReport:
        """Verify credentials, granted scopes or permissions, and store settings the connector needs."""
        ...

    def read_changes(self, resource: Resource, cursor: str | None) -> Iterator[ChangePage]:
        """Pages of objects changed since ``cursor`` (None: a full first sync)."""
        ...

    def fetch(self, target: ResyncTarget) -> ChangePage:
        """Re-read exactly the named objects (webhooks, support resyncs, reconciliation)."""
        ...

    def apply_storefront(self, changes: Sequence[StorefrontChange]) -> list[WriteResult]:
        """Write policy, tags and ETA changes; one result per change, in order."""
        ...

    def apply_order_actions(self, actions: Sequence[OrderAction]) -> list[WriteResult]:
        """Hold or release lines, tag and annotate orders, create discount codes; one result each."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verify and interpret one delivery. Raises AuthError on a bad signature, PayloadError on junk."""
        ...

    def ensure_webhooks(self, callback_url: str) -> list[str]:
        """Register missing subscriptions (and re-enable disabled ones); return what was repaired."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
