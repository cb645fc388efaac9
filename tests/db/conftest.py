"""A fresh state database per test, on SQLite (always) and PostgreSQL (when reachable)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.db import Database, open_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def db(db_url: str, clock: FrozenClock) -> Iterator[Database]:
    database = open_database(db_url, clock=clock)
    yield database
    database.close()
