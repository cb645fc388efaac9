"""Purchase orders received from the shop's stock: the on-hand count last seen per watched SKU,
and per PO what stock booked on it and whether the owner keeps it open (connector.stock_arrivals)."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 8
DESCRIPTION = "core: stock_seen, purchase_order_stock (POs received from shop stock)"


def upgrade(conn: sa.Connection) -> None:
    from connector.stock_arrivals import purchase_order_stock, stock_seen

    stock_seen.create(conn, checkfirst=True)
    purchase_order_stock.create(conn, checkfirst=True)
