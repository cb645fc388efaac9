"""What every part of the state store shares: a connection to work in, the clock, and the upsert."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from connector.clock import Clock
from connector.model import Money

__all__ = ["StoreBase", "chunks", "clean_rows", "insert_rows", "streamed", "upsert"]

_CHUNK = 500  # ids per IN (...) clause: well under SQLite's and PostgreSQL's parameter limits
STREAM_ROWS = 2_000
"""Rows fetched at a time by :func:`streamed`."""


class StoreBase:
    """Base of the store parts. Subclasses decide whether each call gets its own transaction."""

    clock: Clock

    def _conn(self) -> AbstractContextManager[sa.Connection]:
        """A connection inside a transaction: a fresh one per call, or the enclosing transaction's."""
        raise NotImplementedError


class SharedValues:
    """Equal values of one read made once and shared: a shop's million order lines name a few
    thousand SKUs, titles and prices, its 100k variants one shop and a few hundred prices. The
    model's objects are immutable, so sharing them is safe; it spares a warm engine's memory (one
    copy of each instead of one per row) and the read's time (Money checks its amount once per
    price)."""

    __slots__ = ("money", "texts")

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.money: dict[tuple[Decimal, str], Money] = {}

    def text(self, value: str) -> str:
        return self.texts.setdefault(value, value)

    def price(self, amount: Decimal, currency: str) -> Money:
        key = (amount, currency)
        found = self.money.get(key)
        if found is None:
            found = self.money[key] = Money(amount, currency)
        return found


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    newer_column: str | None = None,
) -> None:
    """Insert ``rows`` or update them in place, keyed by the table's primary key.

    With ``newer_column``, a stored row is only replaced by one at least as new, so a stale re-read
    (an old webhook, an overlapping page) never overwrites fresher data; an equal value replaces,
    because some platform changes do not move ``updated_at``.
    """
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    # One statement must not touch a row twice (PostgreSQL refuses), and a stable key order keeps
    # concurrent writers from deadlocking on each other's rows.
    unique = {tuple(row[k] for k in keys): row for row in rows}
    ordered = clean_rows(conn, [unique[key] for key in sorted(unique)])
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    where = None
    if newer_column is not None:
        where = table.c[newer_column] <= stmt.excluded[newer_column]
    conn.execute(
        stmt.on_conflict_do_update(index_elements=keys, set_=updates, where=where), ordered
    )


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Plain INSERT of ``rows`` (for tables that are only appended to or rewritten whole)."""
    if rows:
        conn.execute(sa.insert(table), clean_rows(conn, rows))


def clean_rows(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """PostgreSQL refuses NUL characters in text; one stray NUL in a title must not sink a page."""
    if conn.dialect.name != "postgresql":
        return list(rows)
    return [
        {k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v for k, v in row.items()}
        for row in rows
    ]


def streamed(conn: sa.Connection, query: sa.Executable) -> sa.CursorResult[Any]:
    """Run a read that may return a whole shop (its orders, their lines, the queue, the history)
    so that its rows come from the server in batches of :data:`STREAM_ROWS` as they are used.

    On PostgreSQL, psycopg otherwise receives a statement's whole result into the process before
    the first row is read: a warm engine's start read a million order lines that way, and the
    memory that held them stayed with the daemon (its RSS after the start was 1,074 MB, against
    788 MB on SQLite, which always hands rows over as they are read). Here the result is a
    server-side cursor (``DECLARE ... CURSOR``, then ``FETCH`` per batch) inside the transaction
    the read already runs in.
    """
    return conn.execute(query.execution_options(stream_results=True, yield_per=STREAM_ROWS))


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
