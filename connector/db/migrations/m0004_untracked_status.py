"""Variants remember the stock status their owner set by hand when the shop counts no stock: an
untracked variant "on backorder" sells, and every unit sold waits (it was taken as unlimited stock)."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 4
DESCRIPTION = "core: variants.untracked_status"


def upgrade(conn: sa.Connection) -> None:
    columns = {column["name"] for column in sa.inspect(conn).get_columns("variants")}
    if "untracked_status" in columns:
        return
    # Existing rows get 'in_stock' (what they were taken as) until the next sync reads them again.
    conn.execute(
        sa.text(
            "ALTER TABLE variants ADD COLUMN untracked_status VARCHAR(32) NOT NULL "
            "DEFAULT 'in_stock'"
        )
    )
