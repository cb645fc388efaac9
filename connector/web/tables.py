"""What customers chose on their page (migration range 300-399), declared on the shared ``metadata``.

``customer_choices`` keeps one row per choice a customer made about an order: "keep waiting" for a
given date today; the cancel and swap actions and the FTC delay consent join it. One row per
(shop, order, action, promise): submitting the same choice twice records it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = ["CustomerChoice", "choices_for", "customer_choices", "record_choice"]

KEEP_WAITING = "keep_waiting"

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
