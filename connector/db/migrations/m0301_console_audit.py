"""The console's audit log: who did what, when (declared in connector/web/console/audit.py)."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 301
DESCRIPTION = "web: console audit log"


def upgrade(conn: sa.Connection) -> None:
    from connector.web.console.audit import console_audit

    console_audit.create(conn, checkfirst=True)
