"""An index for the console's purchase orders page: a shop's POs by expected date.

The page reads 50 open POs at a time in ``connector po list``'s order (by expected date, undated
last). With this index PostgreSQL reads the first page's rows in order and stops (0.1 ms)
instead of sorting every PO of the shop (46 ms at the benchmark's 20,000 open POs on the loaded
``vm``; docs/console.md, "How fast"). SQLite sorts them itself either way (undated last is not
its index order) and is fast enough at that size.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 501
DESCRIPTION = "core: purchase orders by expected date (the console's paged list)"


def upgrade(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "CREATE INDEX IF NOT EXISTS ix_purchase_orders_due "
            "ON purchase_orders (shop, expected_date, id)"
        )
    )
