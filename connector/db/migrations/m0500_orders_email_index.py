"""An index for the console's order lookup by the customer's email (any case).

Without it the lookup read every order of the shop: 125 ms at the engine benchmark's 500,000
orders (docs/console.md, "How fast"). The index is on the expression the query compares,
``lower(customer_email)``, which SQLite (3.9+) and PostgreSQL both index.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 500
DESCRIPTION = "core: orders by customer email, any case (the console's lookup)"


def upgrade(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "CREATE INDEX IF NOT EXISTS ix_orders_email ON orders (shop, lower(customer_email))"
        )
    )
