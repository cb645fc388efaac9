"""CLI commands for purchase orders: the supply the engine promises from (po add, list, receive,
import). They edit the state database only, never the shop."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from connector.cli.common import echo_json, open_state, pick_shops, plain
from connector.errors import UsageError

if TYPE_CHECKING:
    from connector.cli.main import AppContext

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
    ) -> None:
        """Record incoming supply for a SKU (or update it, given the same id)."""
        from connector.model import PurchaseOrder
        from connector.supply_import import keep_received

        settings, db = open_state(app)
        shop = pick_shops(settings, shop_name, one=True)[0]
        now = app.clock()
        try:
            due = date.fromisoformat(expected) if expected else None
        except ValueError:
            raise UsageError(f"--expected wants YYYY-MM-DD, got {expected!r}") from None
        # A made-up id must be unique even when the clock is fixed (--now): two POs added at one
        # instant are two POs, not an update of the first.
        made_up = f"PO-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
        identity = po_id or (f"{reference}:{sku}" if reference else made_up)
        po = PurchaseOrder(
            id=identity,
            shop=shop,
            sku=sku,
            quantity=quantity,
            expected_date=due,
            supplier=supplier,
            created_at=now,
            reference=reference,
        )
        # Same id as a stored purchase order: an update that keeps what was already received.
        [po] = keep_received([po], db.purchase_orders(shop, sku=sku, open_only=False))
        db.add_purchase_order(po)
        when = due.isoformat() if due else "no date yet"
        click.echo(f"Purchase order {identity}: {quantity} x {sku}, expected {when}.")

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
        settings, db = open_state(app)
        found = [
            po
            for shop in pick_shops(settings, shop_name)
            for po in db.purchase_orders(shop, sku=sku, open_only=not show_all)
        ]
        if as_json:
            echo_json([plain(po) for po in found])
            return
        if not found:
            click.echo("No purchase orders.")
        for po in found:
            when = po.expected_date.isoformat() if po.expected_date else "no date"
            click.echo(
                f"{po.id}  {po.sku}  {po.received}/{po.quantity} received  expected {when}"
                f"  {po.supplier}".rstrip()
            )

    @po_group.command("receive")
    @click.argument("po_id")
    @click.argument("quantity", type=click.IntRange(min=1))
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.pass_obj
    def po_receive(app: AppContext, po_id: str, quantity: int, shop_name: str | None) -> None:
        """Book units of a purchase order as received."""
        settings, db = open_state(app)
        shop = pick_shops(settings, shop_name, one=True)[0]
        try:
            po = db.receive_purchase_order(shop, po_id, quantity)
        except KeyError:
            raise UsageError(f"no purchase order {po_id!r} in shop {shop!r}") from None
        click.echo(f"Purchase order {po.id}: {po.received}/{po.quantity} received.")

    @po_group.command("import")
    @click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--shop", "shop_name", help="The shop (needed when the config has several).")
    @click.pass_obj
    def po_import(app: AppContext, csv_file: Path, shop_name: str | None) -> None:
        """Import purchase orders from a CSV file (sku, quantity, expected_date, supplier, ...).

        Good rows are saved, bad rows are listed with their line and reason; the exit code is 1
        when any row was skipped, 2 when the file cannot be read at all.
        """
        from connector.supply_import import keep_received, read_purchase_orders

        settings = app.settings()
        shop = pick_shops(settings, shop_name, one=True)[0]
        result = read_purchase_orders(csv_file, shop, app.clock())
        whole_file = [problem.reason for problem in result.problems if problem.line == 0]
        if whole_file:  # nothing to import: one line and exit 2, before opening the database
            raise UsageError(f"cannot import {csv_file}: {whole_file[0]}")
        _, db = open_state(app, settings)
        stored = db.purchase_orders(shop, open_only=False)
        with db.transaction() as tx:
            for po in keep_received(result.purchase_orders, stored, result.received_given):
                tx.add_purchase_order(po)
        click.echo(f"Imported {len(result.purchase_orders)} purchase orders from {csv_file}.")
        for problem in result.problems:
            click.echo(f"  skipped {problem}", err=True)
        if result.problems:
            raise click.exceptions.Exit(1)
