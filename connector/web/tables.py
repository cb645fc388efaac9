"""What customers chose on their page (migration range 300-399), declared on the shared ``metadata``.

``customer_choices`` keeps one row per choice a customer made about an order ("keep waiting" for
a date, "cancel"). One row per (shop, order, action, promise): submitting the same choice twice
records it once.

``customer_cancels`` (migration 302) keeps each cancel's money side: the units asked for, the
idempotency key the shop is written with, and where it stands (see :class:`CancelState`). The row
is written before the shop is asked, so a crash between the two loses nothing and a retry sends
the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = [
    "CANCEL",
    "KEEP_WAITING",
    "CancelState",
    "CustomerChoice",
    "choices_for",
    "customer_cancels",
    "customer_choices",
    "decide_awaiting",
    "delay_consents",
    "record_choice",
]

KEEP_WAITING = "keep_waiting"
CANCEL = "cancel"


class CancelState:
    """Where a cancel stands."""

    AWAITING_APPROVAL = "awaiting_approval"
    """The owner's policy asks for approval first (``cancel_needs_approval``)."""
    PENDING = "pending"
    """Recorded; the shop is to be asked (again, after a retryable failure)."""
    WRITING = "writing"
    """Claimed by one process that is asking the shop now."""
    DONE = "done"
    FAILED = "failed"
    """The shop refused for good: the owner is told and acts by hand."""
    DECLINED = "declined"
    """The owner did not approve it."""


customer_cancels = sa.Table(
    "customer_cancels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False),
    sa.Column("order_id", sa.String(200), nullable=False),
    # The idempotency key the shop is written with: one per (shop, order, promise).
    sa.Column("key", sa.String(80), nullable=False, unique=True),
    sa.Column("units", sa.Text, nullable=False),  # JSON [[line id, units], ...]
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("source", sa.String(100), nullable=False, server_default=""),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("refund_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("refund", sa.String(20), nullable=False, server_default=""),
    sa.Column("amount", sa.String(40), nullable=False, server_default=""),
    sa.Column("owed", sa.String(40), nullable=False, server_default=""),
    sa.Column("currency", sa.String(3), nullable=False, server_default=""),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
)

customer_choices = sa.Table(
    "customer_choices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False),
    sa.Column("order_id", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    # The date the choice was about, ISO, or "" when none was given (a NULL would not be unique).
    sa.Column("promise", sa.String(10), nullable=False, server_default=""),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(100), nullable=False, server_default=""),
    sa.UniqueConstraint("shop", "order_id", "action", "promise", name="uq_customer_choice"),
)


delay_consents = sa.Table(
    "delay_consents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False),
    sa.Column("order_id", sa.String(200), nullable=False),
    # The revised date the notice asked about, ISO, or "" for "we do not know yet".
    sa.Column("promise", sa.String(10), nullable=False),
    sa.Column("original", sa.String(10), nullable=False),  # the first date promised
    sa.Column("kind", sa.String(20), nullable=False),  # first | renewed
    sa.Column(
        "consent_by", sa.String(10), nullable=False, server_default=""
    ),  # "" = silence agrees
    sa.Column("sent_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False, server_default=""),
    sa.Column("outcome_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("shop", "order_id", "promise", name="uq_delay_consent"),
)
"""One row per delay notice of ``delay_consent = "ftc"`` (migration 303): see
:mod:`connector.web.customer_consent`."""


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    """One choice a customer made on their page."""

    action: str
    promise: date | None
    at: datetime
    source: str


def record_choice(
    engine: sa.Engine,
    *,
    shop: str,
    order_id: str,
    action: str,
    promise: date | None,
    at: datetime,
    source: str,
) -> bool:
    """Record a choice; False when the same choice was already recorded (nothing changes)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                customer_choices.insert().values(
                    shop=shop,
                    order_id=order_id,
                    action=action,
                    promise=promise.isoformat() if promise else "",
                    at=at,
                    source=source,
                )
            )
    except sa.exc.IntegrityError:
        return False
    return True


def choices_for(engine: sa.Engine, shop: str, order_id: str) -> list[CustomerChoice]:
    """Every choice made about one order, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(customer_choices)
            .where(customer_choices.c.shop == shop, customer_choices.c.order_id == order_id)
            .order_by(customer_choices.c.id)
        ).all()
    return [
        CustomerChoice(
            row.action,
            date.fromisoformat(row.promise) if row.promise else None,
            row.at,
            row.source,
        )
        for row in rows
    ]


def decide_awaiting(
    conn: sa.Connection, table: sa.Table, key: str, *, approve: bool, at: datetime
) -> None:
    """The owner's answer to a cancel or swap awaiting approval (``table`` holds either): only an
    awaiting row changes, so approving twice, or deciding one already done, does nothing."""
    conn.execute(
        table.update()
        .where(table.c.key == key, table.c.state == CancelState.AWAITING_APPROVAL)
        .values(state=CancelState.PENDING if approve else CancelState.DECLINED, updated_at=at)
    )
