"""Variants remember the stock count they share (a WooCommerce parent's), so the engine queues
against one count per pool instead of once per variation (which double-counted what was short)."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 5
DESCRIPTION = "core: variants.stock_pool"


def upgrade(conn: sa.Connection) -> None:
    columns = {column["name"] for column in sa.inspect(conn).get_columns("variants")}
    if "stock_pool" in columns:
        return
    # Existing rows get '' (their own count, as before) until the next sync reads them again.
    conn.execute(
        sa.text("ALTER TABLE variants ADD COLUMN stock_pool VARCHAR(255) NOT NULL DEFAULT ''")
    )
