"""Outbox: a claim token per message row, and the per-transport record of a run that could not send."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 101
DESCRIPTION = "outbox: claim token on messages, delivery state per transport"


def upgrade(conn: sa.Connection) -> None:
    from connector.notify.tables import outbox_delivery_state

    # m0100 builds outbox_messages from the current declaration, so a fresh database already has
    # the column; one migrated before it existed gets it here.
    columns = {column["name"] for column in sa.inspect(conn).get_columns("outbox_messages")}
    if "claim_token" not in columns:
        conn.execute(sa.text("ALTER TABLE outbox_messages ADD COLUMN claim_token VARCHAR(64)"))
    outbox_delivery_state.create(conn, checkfirst=True)
