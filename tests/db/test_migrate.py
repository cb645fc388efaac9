"""Migrations run on start, once each; an old database upgrades without losing a row."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.db import open_database
from connector.db.migrate import discover, migrate, version_table
from connector.db.schema import CORE_VERSION, build_core_tables
from connector.model import Money


def test_migration_versions_are_unique_and_sorted() -> None:
    versions = [m.version for m in discover()]

    assert versions == sorted(set(versions))
    assert versions[:CORE_VERSION] == list(range(1, CORE_VERSION + 1))


def test_running_migrations_twice_changes_nothing(db_url: str) -> None:
    db = open_database(db_url)
    with db.engine.connect() as conn:
        before = conn.execute(sa.select(version_table).order_by(version_table.c.version)).all()
        tables_before = sorted(sa.inspect(conn).get_table_names())

    applied_again = db.migrate()
    again = open_database(db_url)

    with again.engine.connect() as conn:
        after = conn.execute(sa.select(version_table).order_by(version_table.c.version)).all()
        tables_after = sorted(sa.inspect(conn).get_table_names())
    assert applied_again == []
    assert after == before
    assert tables_after == tables_before
    assert db.schema_version() == max(m.version for m in discover())
    db.close()
    again.close()


def test_an_old_schema_upgrades_without_losing_rows(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    assert migrate(engine, target=1) == [1]
    old = build_core_tables(sa.MetaData(), version=1)
    with engine.begin() as conn:
        assert "inventory_item_id" not in {
            c["name"] for c in sa.inspect(conn).get_columns("variants")
        }
        conn.execute(
            sa.insert(old.variants),
            {
                "shop": "acme",
                "platform_id": "v1",
                "product_id": "p1",
                "sku": "SOFA-1",
                "title": "Grey",
                "price": Decimal("1299.90"),
                "currency": "EUR",
                "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
                "tracked": True,
                "available": -2,
                "committed": 2,
                "incoming": 0,
                "inventory_policy": "continue",
                "tags": frozenset({"backorder"}),
            },
        )
        conn.execute(
            sa.insert(old.sync_cursors),
            {
                "shop": "acme",
                "resource": "products",
                "value": "c-42",
                "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
            },
        )
    engine.dispose()

    db = open_database(db_url)

    [stored] = db.variants("acme")
    assert stored.sku == "SOFA-1" and stored.available == -2
    assert stored.price == Money(Decimal("1299.90"), "EUR") and stored.tags == frozenset(
        {"backorder"}
    )
    assert stored.inventory_item_id == ""
    assert db.get_cursor("acme", "products") == "c-42"
    # A shop synced before schema v7 keeps its first-sync moment from what the database shows
    # (here its cursor): orders that came in while it was stopped for the upgrade are still new.
    assert db.first_synced_at("acme") == datetime(2026, 1, 1, tzinfo=UTC)
    assert db.first_synced_at("never-synced") is None
    assert db.schema_version() >= CORE_VERSION
    newer = datetime(2026, 2, 1, tzinfo=UTC)
    db.upsert_variants([dataclasses.replace(stored, inventory_item_id="inv-9", updated_at=newer)])
    assert db.variants("acme")[0].inventory_item_id == "inv-9"
    db.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'sub' / 'state.db'}")

    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    assert (tmp_path / "sub" / "state.db").exists()
    db.close()


@pytest.mark.postgres
def test_postgres_tables_live_in_the_search_path_schema(
    pg_schema_url: str, postgres_url: str
) -> None:
    db = open_database(pg_schema_url)
    with db.engine.connect() as conn:
        schema = conn.exec_driver_sql("select current_schema()").scalar()
    public = sa.create_engine(postgres_url)
    with public.connect() as conn:
        in_schema = set(sa.inspect(conn).get_table_names(schema=schema))

    assert schema is not None and schema.startswith("t_")
    assert {"orders", "variants", "backorder_events", "schema_version"} <= in_schema
    public.dispose()
    db.close()


def test_the_url_is_shown_without_password() -> None:
    from connector.db import safe_url

    assert (
        safe_url("postgresql+psycopg://shop:s3cret@db/connector")
        == "postgresql+psycopg://shop:***@db/connector"
    )


def test_daemons_starting_at_once_apply_each_migration_once(db_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def start(_: int) -> int:
        database = open_database(db_url)
        version = database.schema_version()
        database.close()
        return version

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(start, range(4)))

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        recorded = conn.execute(sa.select(version_table.c.version)).scalars().all()
    engine.dispose()
    expected = [m.version for m in discover()]
    assert sorted(recorded) == expected
    assert versions == [expected[-1]] * 4


def test_duplicate_history_events_are_folded_into_one_on_upgrade(db_url: str) -> None:
    from datetime import date

    from connector.model import BackorderEvent, BackorderEventKind

    engine = sa.create_engine(db_url)
    migrate(engine, target=201)
    old = build_core_tables(sa.MetaData())
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    row = {
        "shop": "acme",
        "at": at,
        "kind": "detected",
        "sku": "SOFA-1",
        "quantity": 2,
        "order_id": "o1",
        "line_id": "l1",
        "customer_email": "ana@example.com",
        "eta": None,
        "old_eta": None,
        "detail": "",
    }
    delayed = {**row, "kind": "delayed", "eta": date(2026, 12, 20), "old_eta": date(2026, 12, 5)}
    with engine.begin() as conn:
        # What two racing plans left behind: each event stored twice.
        conn.execute(sa.insert(old.backorder_events), [row, row, delayed, delayed])
    assert 202 in migrate(engine)
    db = open_database(db_url)
    kinds = [e.kind for e in db.events("acme")]
    assert kinds == [BackorderEventKind.DETECTED, BackorderEventKind.DELAYED]
    again = BackorderEvent(
        "acme", at, BackorderEventKind.DETECTED, "SOFA-1", 2, "o1", "l1", "ana@example.com"
    )
    assert db.append_events([again]) == 0
    assert len(db.events("acme")) == 2
    db.close()
    engine.dispose()


def test_a_bad_or_unreachable_database_url_is_named_for_the_owner(tmp_path: Path) -> None:
    from connector.db import open_existing_database
    from connector.errors import ConfigError, FatalError, RetryableError

    for opener in (open_database, open_existing_database):
        with pytest.raises(ConfigError, match=r"database_url.*not a database URL"):
            opener("not a url")
        # Nothing listens on port 1: a server that is down is worth retrying, not fatal.
        with pytest.raises(RetryableError, match=r"cannot open the state database .*:1/x") as down:
            opener("postgresql+psycopg://u:secret@127.0.0.1:1/x?connect_timeout=2")
        assert "secret" not in str(down.value)  # the URL is shown, its password never
    with pytest.raises(FatalError, match="no state database at"):
        open_existing_database(f"sqlite:///{tmp_path / 'typo.db'}")
