"""Core state tables: shops, catalog, orders, supply, sync cursors, backorder queue and history."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 1
DESCRIPTION = "core: shops, products, variants, customers, orders, lines, purchase orders, cursors, queue, events, skipped payloads"


def upgrade(conn: sa.Connection) -> None:
    from connector.db.schema import build_core_tables

    # The version-1 shape on its own MetaData, so later core migrations have something to alter.
    tables = build_core_tables(sa.MetaData(), version=1)
    for table in tables.all():
        table.create(conn, checkfirst=True)
