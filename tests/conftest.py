"""Shared test fixtures: databases (SQLite always, PostgreSQL when reachable or required)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from connector.clock import FrozenClock

POSTGRES_URL = os.environ.get(
    "CONNECTOR_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("CONNECTOR_REQUIRE_POSTGRES") == "1"


def _keep_the_c_environment(key: str, value: str = "") -> None:
    """Stands in for ``os.putenv``/``os.unsetenv`` in CI's moved-clock passes (see below)."""


if os.environ.get("CONNECTOR_CLOCK_SHIFT"):
    # Under libfaketime (.ci/run's +-365d passes) every timed wait of every thread, the GIL's own
    # included, calls getenv(); a test adding a variable to the C environment at that moment has
    # glibc reallocate the array getenv is walking, and the process dies (seen twice in CI). So
    # in those passes the tests' changes stay in os.environ, where the connector reads them (and
    # where subprocesses started with env={**os.environ} take them from), and the C environment
    # stays as the process began. Set here, at import, before any thread exists.
    os.putenv = _keep_the_c_environment
    os.unsetenv = _keep_the_c_environment


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as error:  # any failure means: not here
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(error).__name__}: {error}"[:300]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL; skips with the reason when there is none, fails instead in CI."""
    reason = _postgres_reachable()
    if reason is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"CONNECTOR_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    yield POSTGRES_URL


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema per test (dropped afterwards), as a URL whose search_path uses it."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'drop schema "{schema}" cascade'))
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
