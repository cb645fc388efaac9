"""What the engine asks to be mailed: :class:`Notification` and its lines and kinds.

Part of the common model (:mod:`connector.model` re-exports every name here).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from connector.model_base import Money, plan_record

__all__ = [
    "ChoiceCounts",
    "MoneyAtRisk",
    "Notification",
    "NotificationKind",
    "NotificationLine",
    "ReorderDue",
]


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
    BALANCE_CHARGED = "balance_charged"
    """A deposit or pay-on-release pre-order's balance was charged at release: it ships now."""
    BALANCE_FAILED = "balance_failed"
    """Its balance could not be charged: the line waits; Shopify's invoice carries the link."""
    SWAP_CONFIRMATION = "swap_confirmation"
    """A waiting line was swapped for an in-stock item on the customer's page: it ships now."""


@plan_record
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
    shipped: int = 0
    """For CANCELLATION: units of the same order line already shipped, so the mail for a partly
    shipped line's cancelled units says the others went out."""


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


@dataclass(frozen=True, slots=True)
class ReorderDue:
    """For DIGEST: the reorder suggestions due within a week (``connector report --reorder``)."""

    units: int
    skus: int
    """How many SKUs or stock pools are to be ordered."""
    first_by: date
    """The earliest order-by date among them."""


@dataclass(frozen=True, slots=True)
class ChoiceCounts:
    """What customers chose about their orders in a period, counted in orders (an order whose
    customer chose twice counts once): the digest's day, or ``connector report``'s window."""

    kept_waiting: int = 0
    """Chose "keep waiting" on their page (consent to a delay)."""
    customer_cancels: int = 0
    """Asked on their page to cancel the waiting items."""
    deadline_cancels: int = 0
    """Cancelled at an FTC consent deadline that passed without an answer."""

    def __bool__(self) -> bool:
        return bool(self.kept_waiting or self.customer_cancels or self.deadline_cancels)


@plan_record
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
    """For PAYMENT_CAPTURED: the money taken (what the customer's statement shows). For
    BALANCE_CHARGED the balance charged now; for BALANCE_FAILED what was paid so far."""
    amount_due: Money | None = None
    """For BALANCE_CHARGED and BALANCE_FAILED: what the customer still owes."""
    money_at_risk: tuple[MoneyAtRisk, ...] = ()
    """For DIGEST: card authorizations that run out before their goods ship."""
    balances_due: tuple[MoneyAtRisk, ...] = ()
    """For DIGEST: pre-order balances that could not be collected at release (``amount`` still
    due, ``expires_at`` when it was refused, ``note`` why); their lines stay on hold."""
    consent_by: date | None = None
    """For DELAY_CONSENT: without the customer's "keep waiting" by this day the waiting items
    are cancelled and refunded (None: silence counts as agreeing)."""
    reorder: ReorderDue | None = None
    """For DIGEST: the reorder suggestions due within a week (None: none is); the templates word
    it (``reason`` there lists the lines that could not be held)."""
    choices: ChoiceCounts | None = None
    """For DIGEST: what customers chose on their pages in the last day (None: nothing)."""

    @property
    def idempotency_key(self) -> str:
        promised = self.promised_date.isoformat() if self.promised_date else "-"
        if self.kind is NotificationKind.DIGEST:
            # One digest per shop and day (``promised_date`` carries the shop's local date), however
            # many daemons build it or whatever events it lists.
            return f"{self.shop}|digest|{promised}"
        lines = ",".join(sorted(line.line_id for line in self.lines))
        return f"{self.shop}|{self.order_id}|{lines}|{self.kind.value}|{promised}"
