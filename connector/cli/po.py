"""CLI commands for purchase orders: the supply the engine promises from (po add, list, receive,
import). They edit the state database only, never the shop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from connector.cli.common import echo_json, open_state, pick_shops, plain
from connector.errors import UsageError

if TYPE_CHECKING:
    from connector.cli.main import AppContext
    from connector.stock_arrivals import StockNote

__all__ = ["register"]


def register(cli: click.Group) -> None:
    """Add the `po` group to the `connector` group."""

    @cli.group("po")
    def po_group() -> None:
        """Purchase orders: the supply the engine promises from."""

    @po_group.command("add")
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.option("--sku", required=True)
    @click.option("--quantity", type=click.IntRange(min=1), required=True)
    @click.option("--expected", help="Expected delivery date, YYYY-MM-DD (omit: no date yet).")
    @click.option("--supplier", default="")
    @click.option("--reference", default="", help="The supplier's or your PO number.")
    @click.option("--id", "po_id", help="Our id for it (default: reference:sku, or a new one).")
    @click.option(
        "--reason",
        default="",
        help="What a customer waiting for this supply reads when it is late, in the shop's "
        "language (never the PO's id or reference).",
    )
    @click.pass_obj
    def po_add(
        app: AppContext,
        *,
        shop_name: str | None,
        sku: str,
        quantity: int,
        expected: str | None,
        supplier: str,
        reference: str,
        po_id: str | None,
        reason: str,
    ) -> None:
        """Record incoming supply for a SKU (or update it, given the same id)."""
        from connector.purchase_orders import add_purchase_order

        settings, db = open_state(app)
        shop = pick_shops(settings, shop_name, one=True)[0]
        added = add_purchase_order(
            db,
            settings,
            shop,
            sku=sku,
            quantity=quantity,
            expected=expected,
            now=app.clock(),
            supplier=supplier,
            reference=reference,
            po_id=po_id,
            reason=reason,
        )
        if added.warning:
            click.echo(added.warning, err=True)
        click.echo(added.summary)

    @po_group.command("list")
    @click.option("--shop", "shop_name", help="The shop (default: every enabled shop).")
    @click.option("--sku")
    @click.option("--all", "show_all", is_flag=True, help="Include fully received ones.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def po_list(
        app: AppContext, shop_name: str | None, sku: str | None, show_all: bool, as_json: bool
    ) -> None:
        """List purchase orders by expected date."""
        from connector.stock_arrivals import stock_notes

        settings, db = open_state(app)
        shops = pick_shops(settings, shop_name)
        notes = {
            (shop, po_id): note
            for shop in shops
            for po_id, note in stock_notes(db.engine, shop).items()
        }
        found = [
            po for shop in shops for po in db.purchase_orders(shop, sku=sku, open_only=not show_all)
        ]
        if as_json:
            echo_json([{**plain(po), "stock": _note(notes.get((po.shop, po.id)))} for po in found])
            return
        if not found:
            click.echo("No purchase orders.")
        for po in found:
            when = po.expected_date.isoformat() if po.expected_date else "no date"
            reason = f'  reason: "{po.reason}"' if po.reason else ""
            note = notes.get((po.shop, po.id))
            stock = f"  [{note.text}]" if note is not None else ""
            click.echo(
                f"{po.id}  {po.sku}  {po.received}/{po.quantity} received  expected {when}"
                f"  {po.supplier}".rstrip()
                + reason
                + stock
            )

    @po_group.command("keep")
    @click.argument("po_id")
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.option(
        "--auto",
        "auto",
        is_flag=True,
        help="Hand the PO back to the rule: shop stock rises are booked on it again.",
    )
    @click.pass_obj
    def po_keep(app: AppContext, po_id: str, shop_name: str | None, auto: bool) -> None:
        """Keep a purchase order open whatever the shop's stock does (the stock that rose was not
        this delivery): gives back what shop stock booked on it."""
        from connector.stock_arrivals import keep_purchase_order

        settings, db = open_state(app)
        shop = pick_shops(settings, shop_name, one=True)[0]
        received, quantity = keep_purchase_order(
            db, db.engine, shop, po_id, app.clock(), keep=not auto
        )
        if auto:
            click.echo(
                f"Purchase order {po_id}: {received}/{quantity} received; shop stock rises "
                "count for it again."
            )
        else:
            click.echo(
                f"Purchase order {po_id}: kept open, {received}/{quantity} received; shop stock "
                "rises no longer count for it."
            )

    @po_group.command("receive")
    @click.argument("po_id")
    @click.argument("quantity", type=click.IntRange(min=1))
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.option(
        "--more-than-ordered",
        "over",
        is_flag=True,
        help="Accept a count that takes the PO past what was ordered (the supplier sent more).",
    )
    @click.pass_obj
    def po_receive(
        app: AppContext, po_id: str, quantity: int, shop_name: str | None, over: bool
    ) -> None:
        """Book units of a purchase order as received."""
        from connector.purchase_orders import receive_purchase_order

        settings, db = open_state(app)
        shop = pick_shops(settings, shop_name, one=True)[0]
        po = receive_purchase_order(db, shop, po_id, quantity, more_than_ordered=over)
        extra = po.received - po.quantity
        more = f" ({extra} more than ordered)" if extra > 0 else ""
        click.echo(f"Purchase order {po.id}: {po.received}/{po.quantity} received{more}.")

    @po_group.command("import")
    @click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.pass_obj
    def po_import(app: AppContext, csv_file: Path, shop_name: str | None) -> None:
        """Import purchase orders from a CSV file (sku, quantity, expected_date, supplier, ...).

        Good rows are saved, bad rows are listed with their line and reason; the exit code is 1
        when any row was skipped, 2 when the file cannot be read at all.
        """
        from connector.purchase_orders import shop_today, unknown_sku_warning
        from connector.supply_import import (
            compare_with_stored,
            describe_change,
            read_purchase_orders,
        )

        settings = app.settings()
        shop = pick_shops(settings, shop_name, one=True)[0]
        now = app.clock()
        result = read_purchase_orders(csv_file, shop, now)
        whole_file = [problem.reason for problem in result.problems if problem.line == 0]
        if whole_file:  # nothing to import: one line and exit 2, before opening the database
            raise UsageError(f"cannot import {csv_file}: {whole_file[0]}")
        _, db = open_state(app, settings)
        stored = db.purchase_orders(shop, open_only=False)
        changes = compare_with_stored(result, stored, shop_today(settings, shop, now))
        # Unchanged rows are not written: importing the same sheet again changes nothing at all.
        with db.transaction() as tx:
            for po in changes.to_write:
                tx.add_purchase_order(po)
        click.echo(
            f"Imported {csv_file}: {len(changes.new)} new, {len(changes.changed)} changed, "
            f"{len(changes.unchanged)} unchanged."
        )
        for old, new in changes.changed:
            click.echo(f"  changed {new.id}: {describe_change(old, new)}")
        for po in changes.new:
            warning = unknown_sku_warning(db, shop, po.sku)
            if warning:
                click.echo(f"  line {result.lines.get(po.id, 0)}: {warning}", err=True)
        problems = sorted([*result.problems, *changes.refused], key=lambda p: p.line)
        for problem in problems:
            click.echo(f"  skipped {problem}", err=True)
        if problems:
            raise click.exceptions.Exit(1)


def _note(note: StockNote | None) -> dict[str, object] | None:
    if note is None:
        return None
    return {"keep": note.keep, "from_stock": note.from_stock, "note": note.text}
