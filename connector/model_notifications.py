"""What the engine asks to be mailed: :class:`Notification` and its lines and kinds.

Part of the common model (:mod:`connector.model` re-exports every name here).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from connector.model_base import Money
from connector.model_base import direct_init as _direct_init

__all__ = ["MoneyAtRisk", "Notification", "NotificationKind", "NotificationLine"]


class NotificationKind(enum.StrEnum):
    BACKORDER_CONFIRMATION = "backorder_confirmation"
    PREORDER_CONFIRMATION = "preorder_confirmation"
    DELAY = "delay"
    REMINDER = "reminder"
    SHIP_SOON = "ship_soon"
    CANCELLATION = "cancellation"
    DIGEST = "digest"
    PAYMENT_DUE = "payment_due"
    """A pre-order paid on release was released: the customer is sent their payment link."""
    PAYMENT_CAPTURED = "payment_captured"
    DELAY_CONSENT = "delay_consent"
    """A delay past the first promise, with the choice to wait or cancel for a full refund (FTC)."""
    WAIT_CONFIRMATION = "wait_confirmation"
    """The customer chose "keep waiting" on their page: their place in line is kept."""
    SWAP_CONFIRMATION = "swap_confirmation"
    """A waiting line was swapped for an in-stock item on the customer's page: it ships now."""


@_direct_init
@dataclass(frozen=True, slots=True)
class NotificationLine:
    line_id: str
    sku: str
    title: str
    quantity: int
    eta: date | None = None
    old_eta: date | None = None
    ships_now: bool = False
    price: Money | None = None
    refunded: Money | None = None
    """Money the shop recorded as refunded for the line (None: none recorded)."""


@dataclass(frozen=True, slots=True)
class MoneyAtRisk:
    """A card authorization that runs out before its order's goods ship (the owner's digest)."""

    order_number: str
    amount: Money
    expires_at: datetime
    eta: date | None
    stage: str
    """``watch``, ``act`` (within the margin) or ``expired``."""
    action: str
    """``wait``, ``capture``, ``invoice`` or ``tell_owner``."""
    note: str = ""
    """The same line ``connector status`` prints."""


@_direct_init
@dataclass(frozen=True, slots=True)
class Notification:
    """A message the engine wants a customer (or, for DIGEST, the store owner) to receive.

    It carries what the template needs; the outbox derives the idempotency key from
    (shop, order, lines, kind, promised date), so a rerun never mails twice.
    """

    shop: str
    kind: NotificationKind
    order_id: str
    order_number: str
    email: str
    name: str
    locale: str | None
    lines: tuple[NotificationLine, ...]
    created_at: datetime
    promised_date: date | None = None
    old_promised_date: date | None = None
    reason: str = ""
    payment_terms: str = ""
    discount_code: str = ""
    release_date: date | None = None
    """For pre-orders: the day the item is released, not the day it ships (``promised_date``)."""
    payment_url: str = ""
    """For PAYMENT_DUE: where the customer pays (the platform's own pay-for-order page)."""
    amount: Money | None = None
    """For PAYMENT_CAPTURED: the money taken (what the customer's statement shows)."""
    money_at_risk: tuple[MoneyAtRisk, ...] = ()
    """For DIGEST: card authorizations that run out before their goods ship."""
    consent_by: date | None = None
    """For DELAY_CONSENT: without the customer's "keep waiting" by this day the waiting items
    are cancelled and refunded (None: silence counts as agreeing)."""
    reorder_note: str = ""
    """For DIGEST: the reorder suggestions due within a week, in one sentence (``reason`` there
    lists the lines that could not be held)."""
    choices_note: str = ""
    """For DIGEST: how many customers chose to keep waiting / asked to cancel in the last day."""

    @property
    def idempotency_key(self) -> str:
        promised = self.promised_date.isoformat() if self.promised_date else "-"
        if self.kind is NotificationKind.DIGEST:
            # One digest per shop and day (``promised_date`` carries the shop's local date), however
            # many daemons build it or whatever events it lists.
            return f"{self.shop}|digest|{promised}"
        lines = ",".join(sorted(line.line_id for line in self.lines))
        return f"{self.shop}|{self.order_id}|{lines}|{self.kind.value}|{promised}"
