"""Whole orders the connector put in the shop's waiting status (WooCommerce ``on-hold``), so it
only ever takes back its own holds (connector.order_status_holds)."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 10
DESCRIPTION = "core: order_status_holds (orders the connector put on hold by status)"


def upgrade(conn: sa.Connection) -> None:
    from connector.order_status_holds import order_status_holds

    order_status_holds.create(conn, checkfirst=True)
