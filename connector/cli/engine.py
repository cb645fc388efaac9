"""CLI commands of the backorder engine: plan, backorders, report (purchase orders: ``po.py``).

None of them touches the shop: ``plan`` and ``backorders`` show what the engine decides from the
state database now; ``report`` reads the history.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

from connector.cli.common import echo_json, open_state, pick_shops, plain
from connector.errors import UsageError

if TYPE_CHECKING:
    from connector.cli.main import AppContext
    from connector.db import Database
    from connector.engine import EngineState
    from connector.model import Plan
    from connector.settings import Settings
    from connector.stock_arrivals import StockReceipt

__all__ = ["register"]


def _numbers(state: EngineState) -> dict[str, str]:
    return {order.platform_id: order.number for order in state.orders}


def _print_plan(shop: str, plan: Plan, numbers: dict[str, str]) -> None:
    from connector.plan_text import plan_lines, plan_notes, plan_summary

    click.echo(f"Plan for {shop} (nothing is written to the shop):")
    if plan.is_empty:
        click.echo("  nothing to change: the shop already shows what the engine wants")
    for line in plan_lines(plan, numbers):
        if line.section == "storefront":
            rule = f"  [{line.rule}]" if line.rule else ""
            click.echo(f"  storefront {line.target}: {line.what}{rule}")
        elif line.section == "order":
            click.echo(f"  order {line.target}: {line.what}")
        else:
            click.echo(f"  email {line.what}")
    for note in plan_notes(plan):
        click.echo(f"  {note}")
    click.echo(f"  {plan_summary(plan)}")


def _receipt_line(receipt: StockReceipt) -> str:
    """One stock receipt the next cycle books, as `connector plan` says it."""
    ends = "closes it" if receipt.closed else "reduces it"
    return (
        f"purchase order {receipt.po_id}: {receipt.quantity} x {receipt.sku} received from "
        f"shop stock at the next cycle ({ends}; `connector po keep {receipt.po_id}` to keep it open)"
    )


def _pull(app: AppContext, settings: Settings, db: Database, shops: list[str]) -> None:
    """Read ``shops`` into the state database (products, stock, orders), as a cycle's sync does,
    and nothing more: no plan is applied, nothing is written to a shop, no mail is queued."""
    from connector.daemon import Daemon
    from connector.lease import database_clock
    from connector.sync import pull

    # The first sync's moment is recorded (it divides existing orders from new ones): it must be
    # the real one, so a moved clock may only read sandbox shops, as for any write.
    app.refuse_fixed_clock(settings, "plan --sync")
    daemon = Daemon(settings, db, clock=db.clock, lease_clock=database_clock(db.engine))
    try:
        for shop in shops:
            result = pull(db, daemon.adapter(shop), shop)
            click.echo(f"{shop}: read {result.changed} objects from the shop", err=True)
    finally:
        daemon.close()


def register(cli: click.Group) -> None:
    """Add this module's commands to the `connector` group."""

    @cli.command("plan")
    @click.option("--shop", "shop_name", help="The shop (default: every enabled shop).")
    @click.option(
        "--sync",
        is_flag=True,
        help="Read the shop into the state database first (nothing is written to the shop "
        "or mailed): on a fresh database, what the first run would do.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def plan_command(app: AppContext, shop_name: str | None, sync: bool, as_json: bool) -> None:
        """Show what the engine would change, hold and email now, without touching the shop."""
        from connector import stock_arrivals
        from connector.order_status_holds import planned_moves
        from connector.pay_on_release import owner_lines
        from connector.planning import plan_with_state

        settings, db = open_state(app)
        now = app.clock()
        out = []
        shops = pick_shops(settings, shop_name)
        if sync:
            _pull(app, settings, db, shops)
        for shop in shops:
            if not db.cursors(shop):
                # An empty database plans nothing, which would read as "the shop is fine".
                click.echo(
                    f"warning: {shop} has not been synced yet, so this plan knows nothing of it: "
                    f"run `connector plan --sync` to read it first (writes nothing to the shop), "
                    f"or `connector resync --shop {shop} --all` / `connector run --once`.",
                    err=True,
                )
            state, plan = plan_with_state(db, settings, shop, now)
            receipts = stock_arrivals.preview(db, db.engine, settings, shop, now)
            moves = (
                planned_moves(db, db.engine, shop, plan.queue)
                if settings.shop(shop).on_hold_fully_waiting
                else []
            )
            if as_json:
                out.append(
                    {
                        **plain(plan),
                        "stock_receipts": [plain(r) for r in receipts],
                        "order_status_moves": [plain(m) for m in moves],
                    }
                )
            else:
                _print_plan(shop, plan, _numbers(state))
                for line in owner_lines(db, settings, shop, now):
                    click.echo(f"  {line}")
                for receipt in receipts:
                    click.echo(f"  {_receipt_line(receipt)}")
                numbers = _numbers(state)
                for move in moves:
                    what = (
                        "on hold (every line waits for stock), if it is still processing"
                        if move.hold
                        else "back to processing (it can ship), if it is still on hold by us"
                    )
                    click.echo(f"  order {numbers.get(move.order_id, move.order_id)}: {what}")
        if as_json:
            echo_json(out if shop_name is None else out[0])

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
        from connector.model import order_ref_spellings
        from connector.pay_on_release import owner_lines
        from connector.payments_view import money_line, watch_by_order
        from connector.planning import plan_with_state

        settings, db = open_state(app)
        now = app.clock()
        rows: list[dict[str, Any]] = []
        unpaid: list[str] = []
        for shop in pick_shops(settings, shop_name):
            if sku is None and order_ref is None:
                unpaid += owner_lines(db, settings, shop, now)
            state, plan = plan_with_state(db, settings, shop, now)
            numbers = _numbers(state)
            money = watch_by_order(db.engine, shop)  # authorizations at risk (docs/payments.md)
            wanted = None
            if order_ref is not None:
                spellings = set(order_ref_spellings(order_ref))
                wanted = {oid for oid, number in numbers.items() if {oid, number} & spellings}
            for entry in plan.queue:
                if sku is not None and entry.sku != sku:
                    continue
                if wanted is not None and entry.order_id not in wanted:
                    continue
                row = plain(entry)
                row["order_number"] = numbers.get(entry.order_id, entry.order_id)
                if entry.order_id in money:
                    row["authorizations"] = [money_line(w) for w in money[entry.order_id]]
                rows.append(row)
        if as_json:
            echo_json(rows)
            return
        for line in unpaid:
            click.echo(line)
        if not rows:
            if not unpaid:
                click.echo(
                    "No line is waiting." if sku is None and order_ref is None else "No match."
                )
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
            for text in row.get("authorizations", ()):
                click.echo(f"    money: {text}")

    @cli.command("report")
    @click.option("--shop", "shop_name", help="The shop (default: every enabled shop).")
    @click.option("--days", type=click.IntRange(min=1), default=90, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.option("--csv", "as_csv", is_flag=True, help="Print CSV (metric,value per shop).")
    @click.option(
        "--reorder",
        is_flag=True,
        help="What to order, from which supplier, by when ([reorder], [[suppliers]]).",
    )
    @click.pass_obj
    def report_command(
        app: AppContext,
        *,
        shop_name: str | None,
        days: int,
        as_json: bool,
        as_csv: bool,
        reorder: bool,
    ) -> None:
        """Backorder rate, fill rate, promises kept, waits, cancellations and what is owed.

        With --reorder: the reorder suggestions instead (units per SKU or stock pool, from which
        supplier, by when), from waiting demand, recent sales, stock and open purchase orders.
        """
        from connector.payments_view import money_report, print_money_report, with_money
        from connector.reports import shop_report
        from connector.web.customer_report import choices_lines, choices_report

        if as_json and as_csv:
            raise UsageError("pick one of --json and --csv")
        settings, db = open_state(app)
        now = app.clock()
        if reorder:
            from connector.cli.reorder_view import print_reorder

            print_reorder(
                settings, db, pick_shops(settings, shop_name), now, as_json=as_json, as_csv=as_csv
            )
            return
        reports = [
            shop_report(db.engine, shop, now, days) for shop in pick_shops(settings, shop_name)
        ]
        money = {r.shop: money_report(db.engine, r.shop) for r in reports}
        since = now - timedelta(days=days)
        choices = {
            r.shop: choices_report(db.engine, r.shop, since=since, until=now) for r in reports
        }
        if as_json:
            data = [
                {
                    **with_money(report.as_dict(), money[report.shop]),
                    "choices": choices[report.shop].as_dict(),
                }
                for report in reports
            ]
            echo_json(data if shop_name is None else data[0])
        elif as_csv:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["shop", "metric", "value"])
            for report in reports:
                writer.writerows((report.shop, key, value) for key, value in report.rows())
                writer.writerows(
                    (report.shop, key, value) for key, value in choices[report.shop].rows()
                )
            click.echo(buffer.getvalue(), nl=False)
        else:
            for report in reports:
                _print_report(report.as_dict(), settings.shop(report.shop).locale)
                lines = choices_lines(choices[report.shop], settings.shop(report.shop).locale)
                if lines:
                    click.echo("  customers' choices on their order pages:")
                    for line in lines:
                        click.echo(f"    {line}")
                print_money_report(money[report.shop], click.echo)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _count(number: int, noun: str) -> str:
    from connector.plan_text import count

    return count(number, noun)


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
