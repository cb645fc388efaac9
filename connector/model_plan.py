"""What the engine decides and what writing it did: storefront changes, order actions, the
:class:`Plan` that carries them with the mails and the queue, and each write's result.

Part of the common model (:mod:`connector.model` re-exports every name here).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from connector.model_base import direct_init as _direct_init
from connector.model_base import plan_record

if TYPE_CHECKING:  # annotations only: connector.model imports this module
    from connector.model import BackorderEntry, BackorderEvent, InventoryPolicy
    from connector.model_notifications import Notification

__all__ = [
    "ChangeKind",
    "OrderAction",
    "OrderActionKind",
    "Plan",
    "StorefrontChange",
    "WriteResult",
    "WriteStatus",
]


class ChangeKind(enum.StrEnum):
    INVENTORY_POLICY = "inventory_policy"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    ETA = "eta"


@plan_record
class StorefrontChange:
    """One change to what the storefront shows for a product or variant.

    Tags live on the product (``variant_id`` None); policy and ETA on the variant. An ETA change with
    ``eta_label`` None clears our label.
    """

    shop: str
    kind: ChangeKind
    product_id: str
    variant_id: str | None = None
    sku: str = ""
    policy: InventoryPolicy | None = None
    tags: tuple[str, ...] = ()
    eta_label: str | None = None
    eta_date: date | None = None
    reason: str = ""
    rule: str = ""
    """The policy that decided it, as the config names it: ``policies[sofas]`` or
    ``default_policy`` (a product's tags: every policy of its variants, comma-separated)."""

    @property
    def key(self) -> str:
        """Stable identity of the change, used in write results and idempotency keys."""
        target = self.variant_id or self.product_id
        return f"{self.shop}:{self.kind.value}:{target}:{','.join(self.tags)}"


class OrderActionKind(enum.StrEnum):
    HOLD_LINES = "hold_lines"
    RELEASE_HOLD = "release_hold"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    ADD_NOTE = "add_note"
    CREATE_DISCOUNT = "create_discount"


@plan_record
class OrderAction:
    """One change to an order.

    ``lines`` pairs line ids with quantities (what to hold or release). ``hold_reason`` is
    ``"INVENTORY_OUT_OF_STOCK"`` or ``"UNKNOWN_DELIVERY_DATE"``. ``handle`` makes holds and discount
    codes deterministic, so a rerun finds its own earlier work instead of doing it twice.
    """

    shop: str
    kind: OrderActionKind
    order_id: str
    lines: tuple[tuple[str, int], ...] = ()
    hold_reason: str = ""
    handle: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    discount_code: str = ""
    discount_percent: Decimal | None = None
    customer_email: str = ""

    @property
    def key(self) -> str:
        return f"{self.shop}:{self.kind.value}:{self.order_id}:{self.handle or ','.join(self.tags)}"


@_direct_init
@dataclass(frozen=True, slots=True)
class Plan:
    """What the engine decided should differ from what the shop shows now.

    An empty plan means the shop already shows what the engine wants; the same state always gives
    an empty plan after the previous one was applied.
    """

    shop: str
    storefront: tuple[StorefrontChange, ...] = ()
    order_actions: tuple[OrderAction, ...] = ()
    notifications: tuple[Notification, ...] = ()
    queue: tuple[BackorderEntry, ...] = ()
    events: tuple[BackorderEvent, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.storefront or self.order_actions or self.notifications)


class WriteStatus(enum.StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    FAILED = "failed"


@_direct_init
@dataclass(frozen=True, slots=True)
class WriteResult:
    """What happened to one planned change: every item gets its own, one bad item never sinks a batch."""

    key: str
    status: WriteStatus
    message: str = ""
    retryable: bool = False
