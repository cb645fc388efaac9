"""The outbox tables, declared on the shared metadata and created by migration ``m0100_outbox``.

Datetimes use :class:`connector.db.types.UTCDateTime` like the core tables: aware UTC in and out (on
disk it is the same ``DateTime(timezone=True)`` column as before, so no migration changes it).
"""

from __future__ import annotations

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = [
    "STATUSES",
    "outbox_delivery_state",
    "outbox_messages",
    "outbox_unsubscribes",
    "unsubscribed",
]

STATUSES = ("pending", "sending", "sent", "failed", "suppressed", "unconfirmed")
"""Row states. ``sending`` is claimed and handed to the transport; ``unconfirmed`` is a row found
stuck in ``sending`` after a crash whose transport cannot tell whether it went (SMTP): never resent
on its own, shown to the store owner instead."""

outbox_messages = sa.Table(
    "outbox_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(512), nullable=False, unique=True),
    sa.Column("message_id", sa.String(255), nullable=False, unique=True),
    sa.Column("shop", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("order_id", sa.String(200), nullable=False, server_default=""),
    sa.Column("order_number", sa.String(64), nullable=False, server_default=""),
    sa.Column("recipient", sa.String(320), nullable=False, server_default=""),
    sa.Column("locale", sa.String(20), nullable=False, server_default="en"),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    sa.Column("html", sa.Text, nullable=False, server_default=""),
    sa.Column("text_body", sa.Text, nullable=False, server_default=""),
    sa.Column("headers", sa.Text, nullable=False, server_default="{}"),
    sa.Column("payload", sa.Text, nullable=False, server_default="{}"),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("sending_at", UTCDateTime, nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    # Which delivery run claimed the row: finishing or reconciling a row checks it, so a run never
    # overwrites what another run decided (added by migration m0101).
    sa.Column("claim_token", sa.String(64), nullable=True),
    sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    sa.Index("ix_outbox_messages_order", "shop", "order_id"),
    sa.Index("ix_outbox_messages_shop_status", "shop", "status"),
)
"""One row per message: the rendered parts, the notification it came from, and where it stands."""

outbox_unsubscribes = sa.Table(
    "outbox_unsubscribes",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(100), nullable=False, server_default=""),
)
"""Addresses (lower-cased) that asked for no more reminders from a shop."""


def unsubscribed(conn: sa.Connection, shop: str, email: str) -> bool:
    """Whether ``email`` (any case, any surrounding blanks) asked ``shop`` for no more reminders."""
    query = sa.select(outbox_unsubscribes.c.email).where(
        outbox_unsubscribes.c.shop == shop, outbox_unsubscribes.c.email == email.strip().lower()
    )
    return conn.execute(query).first() is not None


outbox_delivery_state = sa.Table(
    "outbox_delivery_state",
    metadata,
    sa.Column("transport", sa.String(40), primary_key=True),
    sa.Column("problem", sa.Text, nullable=False, server_default=""),
    sa.Column("problem_at", UTCDateTime, nullable=True),
    sa.Column("checked_at", UTCDateTime, nullable=False),
)
"""Per transport, why the last delivery run could not send at all (SMTP down, login refused ...):
recorded once instead of on every message, cleared by the next run that gets through."""
