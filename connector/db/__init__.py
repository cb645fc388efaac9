"""The state database (SQLAlchemy 2 Core): SQLite by default, PostgreSQL for several daemons.

Open it with :func:`open_database`; see :mod:`connector.db.store` for the API and
:mod:`connector.db.migrations` for how tables are added.
"""

from __future__ import annotations

from connector.db.store import (
    Database,
    SkippedRecord,
    StateStore,
    open_database,
    open_existing_database,
    safe_url,
)

__all__ = [
    "Database",
    "SkippedRecord",
    "StateStore",
    "open_database",
    "open_existing_database",
    "safe_url",
]
