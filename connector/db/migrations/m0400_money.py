"""The money tables: the ledger of captures and invoices, and the authorizations at risk."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 400
DESCRIPTION = "payments: money operations ledger and authorization watch list"


def upgrade(conn: sa.Connection) -> None:
    from connector.payments_tables import money_checks, money_operations, money_watch

    money_operations.create(conn, checkfirst=True)
    money_watch.create(conn, checkfirst=True)
    money_checks.create(conn, checkfirst=True)
