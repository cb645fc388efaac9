"""The selling plan tables (migration 401), declared on the shared ``metadata``.

``selling_plan_syncs`` remembers, per shop, the fingerprint of the pre-order terms and variants
last written to the platform: a cycle whose policies and catalog did not change sends nothing
(a full re-read still happens daily, to see changes made in the admin).
"""

from __future__ import annotations

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = ["selling_plan_syncs"]

selling_plan_syncs = sa.Table(
    "selling_plan_syncs",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("synced_at", UTCDateTime, nullable=False),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
)
