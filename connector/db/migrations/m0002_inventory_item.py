"""Variants remember their inventory item id: Shopify sets quantities through it, not the variant."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 2
DESCRIPTION = "core: variants.inventory_item_id"


def upgrade(conn: sa.Connection) -> None:
    columns = {column["name"] for column in sa.inspect(conn).get_columns("variants")}
    if "inventory_item_id" in columns:
        return
    # Existing rows get '' (unknown until the next sync reads the variant again); nothing is lost.
    conn.execute(
        sa.text(
            "ALTER TABLE variants ADD COLUMN inventory_item_id VARCHAR(255) NOT NULL DEFAULT ''"
        )
    )
