"""The daemon's tables (migration range 200-299), declared on the shared ``metadata``.

* ``shop_leases``: who works which shop until when (:mod:`connector.lease`);
* ``webhook_deliveries``: every accepted delivery's dedupe key, so a replay is never processed twice;
* ``resync_requests``: targeted resyncs waiting for the daemon (from webhooks and ``connector resync``);
* ``cycle_runs``: one row per cycle run, for ``/healthz``, ``connector status`` and the metrics.
"""

from __future__ import annotations

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = ["cycle_runs", "leases", "resync_requests", "webhook_deliveries"]

leases = sa.Table(
    "shop_leases",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("acquired_at", UTCDateTime, nullable=False),
    sa.Column("renewed_at", UTCDateTime, nullable=False),
    sa.Column("generation", sa.Integer, nullable=False, server_default="1"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("dedupe_key", sa.String(500), primary_key=True),
    sa.Column("topic", sa.String(200), nullable=False, server_default=""),
    sa.Column("received_at", UTCDateTime, nullable=False),
)

resync_requests = sa.Table(
    "resync_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False, index=True),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("source", sa.String(100), nullable=False, server_default=""),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("done_at", UTCDateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
)

cycle_runs = sa.Table(
    "cycle_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("holder", sa.String(200), nullable=False, server_default=""),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("ok", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("summary", sa.Text, nullable=False, server_default="{}"),
)
