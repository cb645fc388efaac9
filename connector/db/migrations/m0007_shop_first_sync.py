"""When the connector first read each shop: orders placed before it get no confirmation unless
the shop's ``notify_existing`` says so.

Shops this database already knows get the earliest moment it shows of them (their first history
event, else their oldest cursor), so an upgrade does not withhold confirmations from orders that
came in while the connector was stopped for the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 7
DESCRIPTION = "core: shop_first_syncs (when the connector first read each shop)"


def upgrade(conn: sa.Connection) -> None:
    from connector.db.schema import shop_first_syncs

    shop_first_syncs.create(conn, checkfirst=True)
    conn.execute(
        sa.text(
            "INSERT INTO shop_first_syncs (shop, first_synced_at) "
            "SELECT shop, MIN(at) FROM ("
            "  SELECT shop, at FROM backorder_events"
            "  UNION ALL SELECT shop, updated_at AS at FROM sync_cursors"
            ") AS seen WHERE shop NOT IN (SELECT shop FROM shop_first_syncs) GROUP BY shop"
        )
    )
