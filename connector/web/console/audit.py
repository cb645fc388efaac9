"""The console's audit log (migration 301): who did what, when, from where.

One row per action: logins (and failed ones, which the login rate limit counts, so the limit
holds across restarts and across daemons sharing a database), logouts (which also end that
session), order lookups, resyncs (with the resync request's id) and purchase orders added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = [
    "LOGIN_FAILED",
    "LOGOUT",
    "AuditEntry",
    "console_audit",
    "entries",
    "failed_logins",
    "is_logged_out",
    "record",
]

LOGIN_FAILED = "login failed"
LOGOUT = "logout"

console_audit = sa.Table(
    "console_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("user", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False, server_default=""),
    sa.Column("address", sa.String(100), nullable=False, server_default=""),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("shop", sa.String(200), nullable=False, server_default=""),
    sa.Column("target", sa.String(200), nullable=False, server_default=""),
    # What the action made, for looking it up later: a resync request's id, a PO's id.
    sa.Column("reference", sa.String(200), nullable=False, server_default=""),
    sa.Column("detail", sa.String(1000), nullable=False, server_default=""),
    # The session's id, so a logout can end exactly that session.
    sa.Column("session", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_console_audit_login", "user", "address", "action", "at"),
    sa.Index("ix_console_audit_session", "session", "action"),
    sa.Index("ix_console_audit_target", "shop", "target", "action"),
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    role: str
    address: str
    action: str
    shop: str
    target: str
    reference: str
    detail: str


def record(
    conn: sa.Connection,
    *,
    at: datetime,
    user: str,
    action: str,
    role: str = "",
    address: str = "",
    shop: str = "",
    target: str = "",
    reference: str = "",
    detail: str = "",
    session: str = "",
) -> None:
    """Add one row inside the caller's transaction (with what it records, when there is any)."""
    conn.execute(
        console_audit.insert().values(
            at=at,
            user=user[:100],
            role=role,
            address=address[:100],
            action=action,
            shop=shop[:200],
            target=target[:200],
            reference=reference[:200],
            detail=detail[:1000],
            session=session,
        )
    )


def failed_logins(engine: sa.Engine, user: str, address: str, since: datetime) -> int:
    """Failed logins as ``user`` from ``address`` at or after ``since``."""
    c = console_audit.c
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).where(
                c.user == user[:100],
                c.address == address[:100],
                c.action == LOGIN_FAILED,
                c.at >= since,
            )
        ).scalar()
    return int(count or 0)


def is_logged_out(engine: sa.Engine, session: str) -> bool:
    c = console_audit.c
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(c.id).where(c.session == session, c.action == LOGOUT).limit(1)
        ).first()
    return found is not None


def entries(
    engine: sa.Engine,
    *,
    shop: str | None = None,
    target: str | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest rows first, optionally of one shop, target and action."""
    c = console_audit.c
    query = sa.select(console_audit).order_by(c.id.desc()).limit(limit)
    if shop is not None:
        query = query.where(c.shop == shop)
    if target is not None:
        query = query.where(c.target == target)
    if action is not None:
        query = query.where(c.action == action)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AuditEntry(
            row.id,
            row.at,
            row.user,
            row.role,
            row.address,
            row.action,
            row.shop,
            row.target,
            row.reference,
            row.detail,
        )
        for row in rows
    ]
