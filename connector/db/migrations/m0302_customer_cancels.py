"""The customer page's cancels: each one recorded before the shop is asked, so none is lost or
made twice."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 302
DESCRIPTION = "web: customer cancels (intent, approval, refund) per order"


def upgrade(conn: sa.Connection) -> None:
    from connector.web.tables import customer_cancels

    customer_cancels.create(conn, checkfirst=True)
