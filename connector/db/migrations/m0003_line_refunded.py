"""Order lines remember the money the shop recorded as refunded, so mails never state a refund
that did not happen (a cancelled order with no refund was told "Refund: <the line's value>")."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 3
DESCRIPTION = "core: order_lines.refunded"


def upgrade(conn: sa.Connection) -> None:
    columns = {column["name"] for column in sa.inspect(conn).get_columns("order_lines")}
    if "refunded" in columns:
        return
    # Existing rows get NULL (no refund known until the next sync reads the order again).
    conn.execute(sa.text("ALTER TABLE order_lines ADD COLUMN refunded VARCHAR(64)"))
