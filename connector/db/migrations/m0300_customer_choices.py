"""The customer page's table: what customers chose about their orders."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 300
DESCRIPTION = "web: customer choices (keep waiting, ...) per order"


def upgrade(conn: sa.Connection) -> None:
    from connector.web.tables import customer_choices

    customer_choices.create(conn, checkfirst=True)
