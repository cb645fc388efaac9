"""``connector report --reorder``: the reorder suggestions as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import click

from connector.cli.common import echo_json, plain

if TYPE_CHECKING:
    from connector.db import Database
    from connector.settings import Settings

__all__ = ["print_reorder"]


def print_reorder(
    settings: Settings,
    db: Database,
    shops: Sequence[str],
    now: datetime,
    *,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Print each shop's suggestions; one line per shop when there is nothing to order."""
    from connector.reports import REORDER_COLUMNS, reorder_rows, shop_reorder

    found = {shop: shop_reorder(db, db.engine, settings, shop, now) for shop in shops}
    if as_json:
        echo_json([{"shop": shop, "suggestions": plain(list(s))} for shop, s in found.items()])
        return
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(REORDER_COLUMNS)
        for shop, suggestions in found.items():
            writer.writerows(reorder_rows(shop, suggestions))
        click.echo(buffer.getvalue(), nl=False)
        return
    for shop, suggestions in found.items():
        if not suggestions:
            click.echo(f"Reorder in {shop}: nothing to order (open purchase orders cover it).")
            continue
        click.echo(f"Reorder in {shop}:")
        width = max(len(s.key) for s in suggestions)
        for s in suggestions:
            who = s.supplier or "(no supplier)"
            click.echo(
                f"  {s.key:<{width}}  {s.units:>5} units  from {who}  order by "
                f"{s.order_by.isoformat()}  (arrives {s.arrives_by.isoformat()})"
            )
            click.echo(
                f"  {'':<{width}}  waiting {s.waiting}, on hand {s.on_hand}, "
                f"open POs {s.open_po_units}: {s.why}"
            )
