"""Backorder history events are unique by what they say: a repeated append stores nothing.

Two plans made from the same state (a cycle and a promise check racing, a rerun) produce the same
events; the history must hold each once. Exact duplicates already stored are removed first (the
oldest row is kept), then a unique index over the event's identity is added. Dates that may be
NULL are folded to a sentinel, because NULLs never collide in a unique index; on PostgreSQL the
free-text ``detail`` goes in as its md5 to stay under the index row size limit.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 202
DESCRIPTION = "core: backorder_events unique by identity (duplicates removed)"

INDEX = "ux_backorder_events_identity"
_SAME = (
    "shop",
    "at",
    "kind",
    "sku",
    "quantity",
    "order_id",
    "line_id",
    "customer_email",
    "eta",
    "old_eta",
    "detail",
)


def _identity(dialect: str) -> str:
    if dialect == "postgresql":
        never = "DATE '0001-01-01'"
        detail = "md5(detail)"
    else:
        never = "''"
        detail = "detail"
    return (
        "shop, at, kind, sku, quantity, order_id, line_id, customer_email, "
        f"COALESCE(eta, {never}), COALESCE(old_eta, {never}), {detail}"
    )


def upgrade(conn: sa.Connection) -> None:
    dialect = conn.dialect.name
    same = " AND ".join(f"(a.{c} = b.{c} OR (a.{c} IS NULL AND b.{c} IS NULL))" for c in _SAME)
    # Keep the first of each group of exact duplicates: it is the one every report already shows.
    conn.execute(
        sa.text(
            "DELETE FROM backorder_events WHERE id IN ("
            "SELECT b.id FROM backorder_events a JOIN backorder_events b "
            f"ON a.id < b.id AND {same})"
        )
    )
    conn.execute(
        sa.text(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {INDEX} ON backorder_events ({_identity(dialect)})"
        )
    )
