"""Reading the outbox for people: counts and recent errors per shop, one order's messages.

``connector status`` shows :func:`read_status`; ``connector order N`` shows :func:`read_order`;
``connector emails preview --order N`` re-renders :func:`stored_notification`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connector.model import Notification, NotificationKind, order_ref_spellings, utc
from connector.notify.codec import notification_from_json
from connector.notify.tables import outbox_delivery_state as delivery_state
from connector.notify.tables import outbox_messages as messages

__all__ = [
    "OutboxEntry",
    "OutboxError",
    "OutboxStatus",
    "read_order",
    "read_status",
    "stored_notification",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutboxError:
    """One recent problem, for ``connector status``."""

    at: datetime
    status: str
    kind: str
    order_number: str
    recipient: str
    error: str


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """Counts per state for one shop, and its latest errors."""

    shop: str
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    unconfirmed: int = 0
    last_errors: tuple[OutboxError, ...] = ()
    run_problem: str = ""
    """Why delivery could not send anything at all (SMTP down, login refused); "" when fine."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One message of an order, as support sees it in ``connector order N``."""

    id: int
    kind: str
    recipient: str
    subject: str
    status: str
    message_id: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str


def _utc(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


def read_status(engine: sa.Engine, shop: str) -> OutboxStatus:
    """Counts per state and the five latest problems, for ``connector status``."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(messages.c.status, sa.func.count())
            .where(messages.c.shop == shop)
            .group_by(messages.c.status)
        ).all()
        problems = conn.execute(
            sa.select(messages)
            .where(
                messages.c.shop == shop,
                messages.c.last_error != "",
                messages.c.status.in_(("failed", "unconfirmed", "pending")),
            )
            .order_by(messages.c.updated_at.desc(), messages.c.id.desc())
            .limit(5)
        ).all()
        stopped = conn.execute(
            sa.select(delivery_state).where(delivery_state.c.problem != "")
        ).all()
    counts = {status: int(count) for status, count in rows}
    # A run-wide problem concerns every shop's waiting mail; it is listed once, first.
    run_errors = [
        OutboxError(utc(s.problem_at or s.checked_at), "pending", "delivery", "all", "", s.problem)
        for s in stopped
    ]
    return OutboxStatus(
        shop=shop,
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        suppressed=counts.get("suppressed", 0),
        unconfirmed=counts.get("unconfirmed", 0),
        last_errors=(
            *run_errors,
            *(
                OutboxError(
                    utc(p.updated_at), p.status, p.kind, p.order_number, p.recipient, p.last_error
                )
                for p in problems
            ),
        ),
        run_problem="; ".join(s.problem for s in stopped),
    )


def read_order(engine: sa.Engine, shop: str, order_id: str) -> list[OutboxEntry]:
    """Every message of one order (matched by platform id or order number), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(messages)
            .where(
                messages.c.shop == shop,
                sa.or_(
                    messages.c.order_id == order_id,
                    messages.c.order_number.in_(order_ref_spellings(order_id)),
                ),
            )
            .order_by(messages.c.created_at, messages.c.id)
        ).all()
    return [
        OutboxEntry(
            id=row.id,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            status=row.status,
            message_id=row.message_id,
            attempts=row.attempts,
            created_at=utc(row.created_at),
            sent_at=_utc(row.sent_at),
            last_error=row.last_error,
        )
        for row in rows
    ]


def stored_notification(
    engine: sa.Engine, order_ref: str, kind: NotificationKind | None = None, shop: str | None = None
) -> Notification | None:
    """The latest stored notification of an order (by id or number), for previews."""
    query = sa.select(messages.c.payload).where(
        sa.or_(
            messages.c.order_id == order_ref.strip(),
            messages.c.order_number.in_(order_ref_spellings(order_ref)),
        )
    )
    if kind is not None:
        query = query.where(messages.c.kind == kind.value)
    if shop is not None:
        query = query.where(messages.c.shop == shop)
    with engine.connect() as conn:
        payload = conn.execute(query.order_by(messages.c.id.desc()).limit(1)).scalar()
    if payload is None:
        return None
    try:
        return notification_from_json(payload)
    except (ValueError, KeyError, TypeError) as error:
        log.warning("outbox payload for order %s is unreadable: %s", order_ref, error)
        return None
