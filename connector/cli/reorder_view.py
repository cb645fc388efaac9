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
    from connector.engine.reorder import ReorderSuggestion
    from connector.settings import Settings

__all__ = ["CSV_COLUMNS", "csv_rows", "print_reorder"]

CSV_COLUMNS = (
    "shop",
    "sku",
    "supplier",
    "units",
    "order_by",
    "arrives_by",
    "lead_time_days",
    "waiting",
    "on_hand",
    "open_po_units",
    "daily_sales",
    "why",
)


def csv_rows(shop: str, suggestions: Sequence[ReorderSuggestion]) -> list[list[str]]:
    """One CSV row per suggestion, in :data:`CSV_COLUMNS` order (a pool's SKUs joined by ``+``)."""
    return [
        [
            shop,
            s.key,
            s.supplier,
            str(s.units),
            s.order_by.isoformat(),
            s.arrives_by.isoformat(),
            str(s.lead_time_days),
            str(s.waiting),
            str(s.on_hand),
            str(s.open_po_units),
            f"{s.daily_sales:g}",
            s.why,
        ]
        for s in suggestions
    ]


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
    from connector.reports import shop_reorder

    found = {shop: shop_reorder(db, settings, shop, now) for shop in shops}
    if as_json:
        echo_json([{"shop": shop, "suggestions": plain(list(s))} for shop, s in found.items()])
        return
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for shop, suggestions in found.items():
            writer.writerows(csv_rows(shop, suggestions))
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
