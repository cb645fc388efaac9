"""Purchase orders carry the owner's reason for the customer when the supply is late."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 6
DESCRIPTION = "core: purchase_orders.reason"


def upgrade(conn: sa.Connection) -> None:
    columns = {column["name"] for column in sa.inspect(conn).get_columns("purchase_orders")}
    if "reason" in columns:
        return
    # Existing purchase orders get '' (no reason given: the email says a neutral one).
    conn.execute(sa.text("ALTER TABLE purchase_orders ADD COLUMN reason TEXT NOT NULL DEFAULT ''"))
