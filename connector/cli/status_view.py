"""``connector status`` for people: a table on a wide terminal, one block per shop on a narrow
one, so dates and counts are never folded in the middle ("2026-11-" / "07 20:52")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from connector.status import status_fields

if TYPE_CHECKING:
    from rich.console import Console

    from connector.status import ShopStatus

__all__ = ["WIDE", "print_status"]

WIDE = 120
"""Columns from which the status is a table; below it, one block per shop."""


def print_status(rows: Sequence[ShopStatus], console: Console) -> None:
    from rich.table import Table

    from connector.status import minute_utc

    if console.width >= WIDE:
        table = Table(title="connector status")
        # The shop name is what support reads first: never cut it; the long texts wrap instead.
        table.add_column(
            "shop", no_wrap=True, min_width=max([len(r.shop) for r in rows], default=4)
        )
        for name, _ in status_fields(rows[0]) if rows else ():
            table.add_column(name)
        for row in rows:
            table.add_row(row.shop, *(value for _, value in status_fields(row)))
        console.print(table)
    else:
        for row in rows:
            console.print(f"[bold]{row.shop}[/bold]", highlight=False)
            for name, value in status_fields(row):
                console.print(f"  {name:<12} {value}", highlight=False, markup=False)
    for row in rows:
        done = row.last_reconcile
        if done is not None and not done["error"]:
            # The hourly re-read of waiting orders: what catches changes polling cannot see.
            console.print(
                f"{row.shop}: waiting orders re-read "
                f"{minute_utc(datetime.fromisoformat(done['at']))}, "
                f"{done['orders']} orders in {done['requests']} API requests",
                highlight=False,
            )
        for problem in [*row.last_errors, *row.last_write_failures]:
            console.print(f"[red]{row.shop}[/red]: {problem}", markup=True, highlight=False)
        for line in row.money_at_risk:
            console.print(f"{row.shop}: {line}", markup=False, highlight=False)
