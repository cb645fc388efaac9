"""The one SQLAlchemy ``MetaData`` every table of the state database is declared on."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
