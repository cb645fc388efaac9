"""Each waiting order's money as last read (authorizations, taken, refunded): ``connector order``."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 406
DESCRIPTION = "payments: each waiting order's money and authorizations as last read"


def upgrade(conn: sa.Connection) -> None:
    from connector.payments_tables import money_authorizations, money_orders

    money_orders.create(conn, checkfirst=True)
    money_authorizations.create(conn, checkfirst=True)
