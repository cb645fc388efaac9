"""Outbox tables: rendered customer emails with their delivery state, and reminder unsubscribes."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 100
DESCRIPTION = "outbox: messages with delivery state, reminder unsubscribes"


def upgrade(conn: sa.Connection) -> None:
    from connector.notify.tables import outbox_messages, outbox_unsubscribes

    for table in (outbox_messages, outbox_unsubscribes):
        table.create(conn, checkfirst=True)
