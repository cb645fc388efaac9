"""The FTC delay-consent notices: one per order and revised date, with its deadline and outcome."""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 303
DESCRIPTION = "web: delay consent notices (deadline, outcome) per order and date"


def upgrade(conn: sa.Connection) -> None:
    from connector.web.tables import delay_consents

    delay_consents.create(conn, checkfirst=True)
