"""The migration runner: applies every ``connector/db/migrations/m*.py`` not yet recorded, in VERSION order.

Each migration runs in its own transaction together with the row that records it in
``schema_version``; a migration that fails leaves nothing half-done and stops the run. The recording
row is written *first*, so two processes starting at once serialise on its primary key: the second
waits, then finds the version taken and skips it. Running the runner again changes nothing.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from connector.clock import Clock, system_clock
from connector.db.types import UTCDateTime
from connector.errors import FatalError

__all__ = ["Migration", "discover", "migrate", "schema_version", "version_table"]

log = logging.getLogger(__name__)

_MIGRATIONS_PACKAGE = "connector.db.migrations"

_version_md = sa.MetaData()
version_table = sa.Table(
    "schema_version",
    _version_md,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)
"""One row per applied migration. Kept off the shared metadata: the runner owns it."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[sa.Connection], None]
    module: str


def discover() -> list[Migration]:
    """Every migration module, sorted by VERSION. Two modules claiming one version is a bug: refuse."""
    package = importlib.import_module(_MIGRATIONS_PACKAGE)
    found: dict[int, Migration] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("m") or info.ispkg:
            continue
        name = f"{_MIGRATIONS_PACKAGE}.{info.name}"
        module = importlib.import_module(name)
        version = getattr(module, "VERSION", None)
        upgrade = getattr(module, "upgrade", None)
        if not isinstance(version, int) or not callable(upgrade):
            raise FatalError(f"migration {name} needs VERSION: int and upgrade(conn)")
        if version in found:
            raise FatalError(
                f"migrations {found[version].module} and {name} both claim version {version}"
            )
        found[version] = Migration(version, str(getattr(module, "DESCRIPTION", "")), upgrade, name)
    return [found[v] for v in sorted(found)]


def _applied(engine: sa.Engine) -> set[int]:
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                conn.execute(sa.schema.CreateTable(version_table, if_not_exists=True))
                return set(conn.execute(sa.select(version_table.c.version)).scalars())
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            # PostgreSQL: two processes creating the table at once; the loser just reads it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def migrate(engine: sa.Engine, target: int | None = None, clock: Clock = system_clock) -> list[int]:
    """Apply pending migrations up to ``target`` (default: all); returns the versions applied now."""
    applied = _applied(engine)
    done: list[int] = []
    for migration in discover():
        if migration.version in applied:
            continue
        if target is not None and migration.version > target:
            break
        if _apply(engine, migration, clock):
            done.append(migration.version)
    return done


def _apply(engine: sa.Engine, migration: Migration, clock: Clock) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(version_table).values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=clock(),
                )
            )
            migration.upgrade(conn)
    except sa.exc.IntegrityError:
        # Another process recorded this version while we waited on its row: it did the work.
        log.info("migration %s applied by another process", migration.version)
        return False
    except sa.exc.SQLAlchemyError as error:
        raise FatalError(
            f"database migration {migration.version} ({migration.description}) failed: {error}"
        ) from error
    log.info("applied migration %s: %s", migration.version, migration.description)
    return True


def schema_version(engine: sa.Engine) -> int:
    """The highest applied migration version (0 for an empty database)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        latest = conn.execute(sa.select(sa.func.max(version_table.c.version))).scalar()
    return int(latest or 0)
