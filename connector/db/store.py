"""Open the state database and work with it through :class:`StateStore`.

::

    db = open_database("sqlite:///connector.db")     # runs pending migrations first
    with db.transaction() as tx:                     # one sync page: all of it or nothing
        tx.upsert_variants(page.variants)
        tx.upsert_orders(page.orders)
        tx.set_cursor(shop, "orders", page.cursor)
    db.orders("acme")                                # outside a transaction: one per call

Every method exists both on :class:`Database` (its own short transaction per call) and on the store
:meth:`Database.transaction` yields (all calls commit together, or none when the block raises).
Other owners declare tables on :data:`connector.db.schema.metadata` and use :attr:`Database.engine`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connector.clock import Clock, system_clock
from connector.db.migrate import migrate, schema_version
from connector.db.store_backorders import BackorderStore
from connector.db.store_catalog import CatalogStore
from connector.db.store_orders import OrderStore
from connector.db.store_sync import SkippedRecord, SyncStore
from connector.errors import ConfigError, ConfigProblem, FatalError, RetryableError

__all__ = ["Database", "SkippedRecord", "StateStore", "open_database", "safe_url"]

SQLITE_BUSY_TIMEOUT_MS = 30_000


class StateStore(CatalogStore, OrderStore, BackorderStore, SyncStore):
    """The state API (see the module docstring). Returns and accepts only common-model types."""

    def transaction(self) -> AbstractContextManager[StateStore]:
        raise NotImplementedError


class _Transaction(StateStore):
    """A store bound to one open transaction; every call joins it."""

    def __init__(self, conn: sa.Connection, clock: Clock) -> None:
        self.connection = conn
        self.clock = clock

    def _conn(self) -> AbstractContextManager[sa.Connection]:
        return nullcontext(self.connection)

    def transaction(self) -> AbstractContextManager[StateStore]:
        return nullcontext(self)


class Database(StateStore):
    """The opened state database: :attr:`engine` for table owners, the state API for everyone."""

    def __init__(self, engine: sa.Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock

    @property
    def url(self) -> str:
        """The database URL with the password hidden, safe to print."""
        return safe_url(self.engine.url)

    @contextmanager
    def _conn(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.OperationalError as error:
            # Lost connection, locked file, server restart: the caller retries on its next run.
            raise RetryableError(
                f"state database unavailable ({self.url}): {error.orig}"
            ) from error

    @contextmanager
    def _transaction(self) -> Iterator[StateStore]:
        with self._conn() as conn:
            yield _Transaction(conn, self.clock)

    def transaction(self) -> AbstractContextManager[StateStore]:
        """All calls on the yielded store commit together when the block ends, or none if it raises."""
        return self._transaction()

    def schema_version(self) -> int:
        return schema_version(self.engine)

    def migrate(self) -> list[int]:
        """Apply pending migrations (open_database already did); returns the versions applied."""
        return migrate(self.engine, clock=self.clock)

    def close(self) -> None:
        self.engine.dispose()


def safe_url(url: str | sa.URL) -> str:
    """A database URL with its password replaced by ``***``."""
    return sa.make_url(url).render_as_string(hide_password=True)


def open_database(
    url: str, *, clock: Clock = system_clock, run_migrations: bool = True
) -> Database:
    """Connect to ``url`` (``sqlite:///file.db`` or ``postgresql+psycopg://...``) and migrate it.

    SQLite gets WAL mode, foreign keys and a busy timeout, and real transactions (BEGIN is sent by
    us, so DDL and reads are transactional too). The file's folder is created if missing.
    """
    parsed = _parse_url(url)
    if parsed.drivername == "sqlite":
        engine = _sqlite_engine(parsed)
    elif parsed.drivername == "postgresql+psycopg":
        engine = _postgresql_engine(parsed)
    else:
        raise ConfigError(
            [
                ConfigProblem(
                    "database_url",
                    f"unsupported driver {parsed.drivername}; use sqlite or postgresql+psycopg",
                )
            ]
        )
    db = Database(engine, clock)
    if run_migrations:
        try:
            db.migrate()
        except sa.exc.OperationalError as error:
            engine.dispose()
            raise _unavailable(db, error) from error
    return db


def open_existing_database(url: str, *, clock: Clock = system_clock) -> Database:
    """Open ``url`` for reading only: never create, never migrate (``status``, ``order``).

    Raises :class:`FatalError` when the SQLite file is missing or the database holds no connector
    tables, so a typo in ``database_url`` is named instead of shown as an empty, new database.
    """
    parsed = _parse_url(url)
    if parsed.drivername == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(str(parsed.database)).expanduser()
        if not path.exists():
            raise FatalError(
                f"no state database at {path}: check database_url in the config "
                "(the daemon creates it on its first run)"
            )
    db = open_database(url, clock=clock, run_migrations=False)
    try:
        version = db.schema_version()
    except sa.exc.OperationalError as error:
        db.close()
        raise _unavailable(db, error) from error
    if version == 0:
        db.close()
        raise FatalError(
            f"the database {db.url} holds no connector data: check database_url in the config "
            "(the daemon sets it up on its first run)"
        )
    return db


def _parse_url(url: str) -> sa.URL:
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError([ConfigProblem("database_url", "not a database URL")]) from None


def _unavailable(db: Database, error: sa.exc.OperationalError) -> RetryableError:
    """Why ``db`` could not be opened (server down, file locked): worth retrying later."""
    return RetryableError(f"cannot open the state database {db.url}: {error.orig}")


def _set_wal(cursor: Any) -> None:
    """Switch the file to WAL. Two connections opening a new file at once can each hold a shared
    lock and want the exclusive one: SQLite then answers "database is locked" at once, without
    its busy handler (that wait could never end). Seen in CI with four daemons starting together;
    one of them gets the lock, so try again briefly (once in WAL, the pragma only reads)."""
    for attempt in range(_WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


_WAL_ATTEMPTS = 20


def _postgresql_engine(url: sa.URL) -> sa.Engine:
    engine = sa.create_engine(url, pool_pre_ping=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # psycopg prepares a statement on the server after 5 runs, and PostgreSQL may then keep
        # one generic plan for it, made while the tables were small and without statistics: a
        # first sync's upserts kept scanning whole tables as they grew (deleting the lines of
        # 1,000 orders took 1.9 s at 40k stored orders, against 0.02 s planned afresh; the
        # benchmark shop's 500k orders would have taken hours). Every run is planned for the
        # table as it is now; the statements stay prepared. (PostgreSQL 12+.)
        if dbapi_conn.info.server_version >= 120000:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET plan_cache_mode = force_custom_plan")
            dbapi_conn.commit()

    return engine


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (it would not BEGIN before DDL or
        # SELECT); the "begin" hook below sends BEGIN itself.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _set_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE: take the write lock at BEGIN, waiting up to the busy timeout. A deferred
        # transaction that reads and then writes fails at once with "database is locked" when
        # another connection wrote in between (SQLite cannot upgrade a stale snapshot, and the
        # busy timeout does not apply): a cycle failed that way whenever webhooks, queued by the
        # daemon's own writes, were recorded during it. The daemon's transactions are short.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
