"""The customer page's swaps: each one recorded before the shop is asked, so none is lost or
made twice."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 304
DESCRIPTION = "web: customer swaps (a waiting line for an in-stock alternative) per order line"


def upgrade(conn: sa.Connection) -> None:
    from connector.web.swap_tables import customer_swaps

    customer_swaps.create(conn, checkfirst=True)
