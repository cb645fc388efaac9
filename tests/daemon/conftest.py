"""Daemon test fixtures: a database with the daemon's tables, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.db.migrations import m0201_daemon


def daemon_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        m0201_daemon.upgrade(conn)
    return engine


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, once SQLite (a file) and once the real PostgreSQL (a fresh schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


@pytest.fixture
def daemon_db(any_db_url: str) -> Iterator[sa.Engine]:
    engine = daemon_engine(any_db_url)
    yield engine
    engine.dispose()
