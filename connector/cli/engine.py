"""CLI commands of the backorder engine: plan, backorders, po (add/list/receive/import), report.

None of them touches the shop: ``plan`` and ``backorders`` show what the engine decides from the
state database now; ``po`` edits the supply the engine plans with; ``report`` reads the history.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import json
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.errors import UsageError

if TYPE_CHECKING:
    from connector.cli.main import AppContext
    from connector.db import Database
    from connector.engine import EngineState
    from connector.model import Plan
    from connector.settings import Settings

__all__ = ["register"]


def _open(app: AppContext, settings: Settings | None = None) -> tuple[Settings, Database]:
    """The settings (loaded unless given) and the state database, closed when the command ends."""
    if settings is None:
        settings = app.settings()
    db = app.open_database(settings)
    # Closed when the command ends, however it ends (a long-lived caller must not leak pools).
    click.get_current_context().call_on_close(db.close)
    return settings, db


def _shops(settings: Settings, name: str | None, *, one: bool = False) -> list[str]:
    known = [shop.name for shop in settings.shops if shop.enabled]
    if name is not None:
        if name not in [shop.name for shop in settings.shops]:
            raise UsageError(f"no shop named {name!r} in the config (known: {', '.join(known)})")
        return [name]
    if one and len(known) != 1:
        raise UsageError(f"several shops in the config; pick one with --shop ({', '.join(known)})")
    return known


def _plain(value: Any) -> Any:
    """JSON-ready copies of model values: dates as ISO text, money exact, enums by value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(_plain(item) for item in value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _numbers(state: EngineState) -> dict[str, str]:
    return {order.platform_id: order.number for order in state.orders}


def _print_plan(shop: str, plan: Plan, numbers: dict[str, str]) -> None:
    click.echo(f"Plan for {shop} (nothing is written to the shop):")
    if plan.is_empty:
        click.echo("  nothing to change: the shop already shows what the engine wants")
    for change in plan.storefront:
        target = change.sku or f"product {change.product_id}"
        if change.kind.value == "inventory_policy" and change.policy is not None:
            what = f"selling when out of stock: {change.policy.value}"
        elif change.kind.value == "eta":
            what = f"label: {change.eta_label!r}" if change.eta_label else "label: (removed)"
        else:
            sign = "+" if change.kind.value == "add_tags" else "-"
            what = "tags " + " ".join(f"{sign}{tag}" for tag in change.tags)
        reason = f"  ({change.reason})" if change.reason else ""
        click.echo(f"  storefront {target}: {what}{reason}")
    for action in plan.order_actions:
        number = numbers.get(action.order_id, action.order_id)
        lines = ", ".join(f"{line_id} x{units}" for line_id, units in action.lines)
        detail = lines or " ".join(action.tags) or action.discount_code
        if action.kind.value == "release_hold" and not detail:
            detail = "every hold of ours on the order"
        extra = f" [{action.hold_reason}]" if action.hold_reason else ""
        click.echo(f"  order {number}: {action.kind.value} {detail}{extra}")
    for note in plan.notifications:
        promised = note.promised_date.isoformat() if note.promised_date else "no date"
        click.echo(
            f"  email {note.kind.value} to {note.email} (order {note.order_number}): {promised}"
        )
    waiting = sum(1 for entry in plan.queue if entry.waiting)
    click.echo(
        f"  {len(plan.storefront)} storefront changes, {len(plan.order_actions)} order actions, "
        f"{len(plan.notifications)} emails, {waiting} lines waiting, {len(plan.events)} events"
    )


def register(cli: click.Group) -> None:
    """Add this module's commands to the `connector` group."""

    @cli.command("plan")
    @click.option("--shop", "shop_name", help="The shop (default: every enabled shop).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def plan_command(app: AppContext, shop_name: str | None, as_json: bool) -> None:
        """Show what the engine would change, hold and email now, without touching the shop."""
        from connector.planning import plan_with_state

        settings, db = _open(app)
        now = app.clock()
        out = []
        for shop in _shops(settings, shop_name):
            if not db.cursors(shop):
                # An empty database plans nothing, which would read as "the shop is fine".
                click.echo(
                    f"warning: {shop} has not been synced yet, so this plan knows nothing of it: "
                    f"run `connector resync --shop {shop} --all` (or `connector run --once`) first.",
                    err=True,
                )
            state, plan = plan_with_state(db, settings, shop, now)
            if as_json:
                out.append(_plain(plan))
            else:
                _print_plan(shop, plan, _numbers(state))
        if as_json:
            _echo_json(out if shop_name is None else out[0])

    @cli.command("backorders")
    @click.option("--shop", "shop_name", help="The shop (default: every enabled shop).")
    @click.option("--sku", help="Only this SKU's queue.")
    @click.option("--order", "order_ref", help="Only this order (number or id).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def backorders_command(
        app: AppContext,
        *,
        shop_name: str | None,
        sku: str | None,
        order_ref: str | None,
        as_json: bool,
    ) -> None:
        """The waiting lines: queue position, ETA, and why each line is where it is."""
        from connector.planning import plan_with_state

        settings, db = _open(app)
        now = app.clock()
        rows: list[dict[str, Any]] = []
        for shop in _shops(settings, shop_name):
            state, plan = plan_with_state(db, settings, shop, now)
            numbers = _numbers(state)
            wanted = None
            if order_ref is not None:
                ref = order_ref.lstrip("#")
                wanted = {
                    oid for oid, number in numbers.items() if ref in (oid, number.lstrip("#"))
                }
            for entry in plan.queue:
                if sku is not None and entry.sku != sku:
                    continue
                if wanted is not None and entry.order_id not in wanted:
                    continue
                row = _plain(entry)
                row["order_number"] = numbers.get(entry.order_id, entry.order_id)
                rows.append(row)
        if as_json:
            _echo_json(rows)
            return
        if not rows:
            click.echo("No line is waiting." if sku is None and order_ref is None else "No match.")
            return
        # With several shops the same SKU and order number can mean different things: say whose.
        several = len({row["shop"] for row in rows}) > 1
        for row in rows:
            eta = row["eta"] or "no date"
            state_text = f"{row['waiting']} waiting"
            if row["allocated"]:
                state_text += f", {row['allocated']} allocated"
            where = f"[{row['shop']}] " if several else ""
            click.echo(
                f"{where}{row['sku']}  #{row['position']}  order {row['order_number']}  "
                f"{row['customer_email']}  {state_text}  ETA {eta}"
            )
            click.echo(f"    why: {row['reason']}")

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

        settings, db = _open(app)
        shop = _shops(settings, shop_name, one=True)[0]
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
        settings, db = _open(app)
        found = [
            po
            for shop in _shops(settings, shop_name)
            for po in db.purchase_orders(shop, sku=sku, open_only=not show_all)
        ]
        if as_json:
            _echo_json([_plain(po) for po in found])
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
        settings, db = _open(app)
        shop = _shops(settings, shop_name, one=True)[0]
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
        shop = _shops(settings, shop_name, one=True)[0]
        result = read_purchase_orders(csv_file, shop, app.clock())
        whole_file = [problem.reason for problem in result.problems if problem.line == 0]
        if whole_file:  # nothing to import: one line and exit 2, before opening the database
            raise UsageError(f"cannot import {csv_file}: {whole_file[0]}")
        _, db = _open(app, settings)
        stored = db.purchase_orders(shop, open_only=False)
        with db.transaction() as tx:
            for po in keep_received(result.purchase_orders, stored, result.received_given):
                tx.add_purchase_order(po)
        click.echo(f"Imported {len(result.purchase_orders)} purchase orders from {csv_file}.")
        for problem in result.problems:
            click.echo(f"  skipped {problem}", err=True)
        if result.problems:
            raise click.exceptions.Exit(1)

    @cli.command("report")
    @click.option("--shop", "shop_name", help="The shop (default: every enabled shop).")
    @click.option("--days", type=click.IntRange(min=1), default=90, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.option("--csv", "as_csv", is_flag=True, help="Print CSV (metric,value per shop).")
    @click.pass_obj
    def report_command(
        app: AppContext,
        *,
        shop_name: str | None,
        days: int,
        as_json: bool,
        as_csv: bool,
    ) -> None:
        """Backorder rate, fill rate, promises kept, waits, cancellations and what is owed."""
        from connector.engine.metrics import backorder_report

        if as_json and as_csv:
            raise UsageError("pick one of --json and --csv")
        settings, db = _open(app)
        now = app.clock()
        since = now - timedelta(days=days)
        reports = []
        for shop in _shops(settings, shop_name):
            orders = db.orders(shop, since=since)
            reports.append(
                backorder_report(
                    shop,
                    db.events(shop, since=since),
                    queue=db.queue(shop),
                    orders=_with_queued(db, shop, orders),
                    until=now,
                    since=since,
                )
            )
        if as_json:
            data = [report.as_dict() for report in reports]
            _echo_json(data if shop_name is None else data[0])
        elif as_csv:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["shop", "metric", "value"])
            for report in reports:
                writer.writerows((report.shop, key, value) for key, value in report.rows())
            click.echo(buffer.getvalue(), nl=False)
        else:
            for report in reports:
                _print_report(report.as_dict(), settings.shop(report.shop).locale)


def _with_queued(db: Database, shop: str, orders: Iterable[Any]) -> list[Any]:
    """The window's orders plus older ones still waiting (their value is still owed)."""
    found = {order.platform_id: order for order in orders}
    for entry in db.queue(shop):
        if entry.order_id not in found:
            order = db.order(shop, entry.order_id)
            if order is not None:
                found[order.platform_id] = order
    return list(found.values())


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun if number == 1 else noun + 's'}"


def _money(value: Any, currency: str, locale: str) -> str:
    """An amount as the store owner reads money (``$83,477.96``, ``83 477,96 kr``)."""
    from babel.numbers import format_currency

    return format_currency(Decimal(str(value)), currency, locale=locale)


def _print_report(data: dict[str, Any], locale: str = "en") -> None:
    click.echo(f"Backorders in {data['shop']} since {data['since'][:10]}:")
    click.echo(
        f"  backorder rate {_percent(data['backorder_rate'])} "
        f"({data['lines_backordered']} of {_count(data['lines_ordered'], 'line')})"
    )
    click.echo(
        f"  fill rate {_percent(data['fill_rate'])} of {_count(data['units_ordered'], 'unit')}"
    )
    click.echo(
        f"  promises kept {_percent(data['on_time_rate'])} "
        f"({data['on_time']} of {_count(data['lines_allocated'], 'line')} served)"
    )
    wait = data["average_wait_days"]
    click.echo(f"  average wait {'n/a' if wait is None else f'{wait} days'}")
    click.echo(
        f"  cancelled while waiting: {_count(data['cancelled_lines'], 'line')}, "
        f"{_count(data['cancelled_units'], 'unit')}"
    )
    owed = (
        ", ".join(_money(value, cur, locale) for cur, value in data["open_value"].items())
        or "nothing"
    )
    click.echo(
        f"  waiting now: {_count(data['waiting_lines'], 'line')}, "
        f"{_count(data['waiting_units'], 'unit')}; owed {owed}"
    )
    if data["top_skus"]:
        click.echo("  demand while out of stock (top SKUs):")
        for item in data["top_skus"]:
            click.echo(
                f"    {item['sku']}: {_count(item['units_short'], 'unit')} short in "
                f"{_count(item['lines_short'], 'line')}, {item['waiting_now']} waiting now"
            )
