"""Pre-order selling plans: what was last written to each shop (``selling_plan_syncs``)."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 401
DESCRIPTION = "selling plans: per-shop fingerprint of the pre-order terms last synced"


def upgrade(conn: sa.Connection) -> None:
    from connector.plans_tables import selling_plan_syncs

    selling_plan_syncs.create(conn, checkfirst=True)
