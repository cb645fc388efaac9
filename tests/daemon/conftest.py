"""Daemon test fixtures: a migrated state database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model import Platform
from connector.scheduler import JobInfo, Scheduler


def daemon_engine(url: str) -> sa.Engine:
    """A migrated database's engine (every migration, the daemon's included)."""
    return open_database(url).engine


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


@pytest.fixture
def database(tmp_path: Path, clock: FrozenClock) -> Iterator[Database]:
    """A migrated SQLite state database on the test clock."""
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    yield db
    db.close()


def started_jobs(scheduler: Scheduler, daemon: Daemon | None = None) -> dict[str, JobInfo]:
    """The jobs ``scheduler`` holds once started (after ``daemon`` registered its own), by id.

    Next run times exist only on a started APScheduler, so it is started, read and stopped.
    """
    if daemon is not None:
        daemon.schedule(scheduler)
    scheduler.start()
    try:
        return {job.id: job for job in scheduler.jobs()}
    finally:
        scheduler.stop()


@contextmanager
def demo_woo_shop(folder: Path, url: str, shop: str) -> Iterator[SimpleNamespace]:
    """The demo's WooCommerce sandbox shop an hour after its seed, a state database at ``url`` on
    the sandbox's clock, and the demo's settings for it: ``clock``, ``store``, ``db``,
    ``settings``. Closed (database and sandbox) when the block ends."""
    from connector.demo import demo_settings
    from connector.sandbox.seed import demo_spec
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    store = WooCommerceSandbox(demo_spec(), clock=clock).start()
    clock.advance(timedelta(hours=1))
    shops = [SimpleNamespace(name=shop, platform=Platform.WOOCOMMERCE, store=store)]
    db = open_database(url, clock=clock)
    settings = demo_settings(shops, "sqlite://", folder / "outbox")  # type: ignore[arg-type]
    try:
        yield SimpleNamespace(clock=clock, store=store, db=db, settings=settings)
    finally:
        db.close()
        store.stop()
