"""Daemon tables: shop leases, webhook de-duplication, pending resyncs, cycle runs."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 201
DESCRIPTION = "daemon: shop leases, webhook deliveries, resync requests, cycle runs"


def upgrade(conn: sa.Connection) -> None:
    from connector.daemon_schema import cycle_runs, leases, resync_requests, webhook_deliveries

    for table in (leases, webhook_deliveries, resync_requests, cycle_runs):
        table.create(conn, checkfirst=True)
