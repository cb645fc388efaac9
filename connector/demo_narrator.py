"""How ``connector demo`` tells what happened: each cycle's changes, the queue, the emails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from connector.cycle import CycleReport
from connector.db import Database
from connector.model import (
    ChangeKind,
    Order,
    OrderAction,
    OrderActionKind,
    WriteResult,
    WriteStatus,
)

__all__ = ["Narrator", "eml_headers"]


class Narrator:
    """Prints what the connector did, in a store owner's words."""

    def __init__(self, console: Console, db: Database, outbox_dir: Path) -> None:
        self.console = console
        self.db = db
        self.outbox_dir = outbox_dir
        self.seen_files: set[str] = set()

    def step(self, number: int, title: str, story: str) -> None:
        self.console.print()
        self.console.rule(f"[bold]Step {number}: {title}")
        self.console.print(story, highlight=False)

    def _product(self, shop: str, product_id: str) -> str:
        product = self.db.product(shop, product_id)
        return f"{product.title} (product)" if product else product_id

    def _number(self, shop: str, order_id: str) -> str:
        order = self.db.order(shop, order_id)
        return order.number if order else order_id

    def cycle(self, shop: str, report: CycleReport | None) -> None:
        if report is None:
            self.console.print(f"[yellow]{shop}: another daemon holds this shop[/yellow]")
            return
        if report.error:
            self.console.print(f"[red]{shop}: the cycle failed: {report.error}[/red]")
            return
        plan = report.plan
        synced = report.sync.changed + report.resynced.changed
        planned = report.planned
        header = (
            f"[bold]{shop}[/bold]: read {synced} objects, "
            f"{planned['storefront']} storefront changes, "
            f"{planned['order_actions']} order actions, "
            f"{report.notifications} emails"
        )
        self.console.print(header, highlight=False)
        if plan is None:
            return
        results = {r.key: r for r in (*report.storefront_results, *report.order_results)}
        if plan.storefront:
            table = Table("storefront", "SKU", "change", "why", "result", box=None, pad_edge=False)
            for change in plan.storefront:
                table.add_row(
                    "",
                    change.sku or self._product(shop, change.product_id),
                    _describe_change(change),
                    change.reason,
                    _result(results.get(change.key)),
                )
            self.console.print(table)
        if plan.order_actions:
            table = Table("orders", "order", "action", "result", box=None, pad_edge=False)
            for order_id, actions in _by_order(plan.order_actions):
                order = self.db.order(shop, order_id)
                number = order.number if order else order_id
                for text, shown in _order_story(order, actions, report.held_before.get(order_id)):
                    table.add_row("", number, text, _results([results.get(a.key) for a in shown]))
            self.console.print(table)
        if plan.notifications:
            table = Table("emails", "to", "kind", "language", "lines", box=None, pad_edge=False)
            for note in plan.notifications:
                table.add_row(
                    "",
                    note.email,
                    note.kind.value.replace("_", " "),
                    note.locale or "-",
                    ", ".join(f"{line.sku} x{line.quantity}" for line in note.lines),
                )
            self.console.print(table)
        for failure in report.failures:
            self.console.print(f"  [red]{failure.key}: {failure.status.value} {failure.message}")

    def queue(self, shop: str) -> None:
        entries = self.db.queue(shop)
        if not entries:
            self.console.print(f"{shop}: nobody is waiting.")
            return
        # "why here" is the part a newcomer wants: on a narrow terminal the customer column
        # goes (the order number says whose line it is) and the reason wraps, rather than the
        # reason being squeezed out of the table.
        narrow = self.console.width < 120
        table = Table(title=f"{shop}: who waits for what", title_justify="left")
        widths = {"SKU": 13, "#": 2, "order": 5, "customer": 16, "waits": 5, "alloc.": 6, "ETA": 10}
        if narrow:
            del widths["customer"]
        for column, width in widths.items():
            table.add_column(column, min_width=width, no_wrap=True)
        if narrow:
            table.add_column("why here", min_width=16, overflow="fold")
        else:
            table.add_column("why here", overflow="ellipsis", no_wrap=True, max_width=44)
        for entry in entries:
            cells = [
                entry.sku,
                str(entry.position),
                self._number(shop, entry.order_id),
                entry.customer_email,
                str(entry.waiting),
                str(entry.allocated),
                entry.eta.isoformat() if entry.eta else "no date",
                # The last clause says where the date comes from: the part a newcomer wants.
                entry.reason.split("; ")[-1],
            ]
            if narrow:
                del cells[3]
            table.add_row(*cells)
        self.console.print(table)

    def emails(self) -> None:
        files = sorted(p for p in self.outbox_dir.glob("*.eml") if p.name not in self.seen_files)
        if not files:
            self.console.print("No new emails delivered.")
            return
        table = Table(title=f"delivered to {self.outbox_dir}/", title_justify="left")
        table.add_column("to")
        table.add_column("subject")
        for path in files:
            self.seen_files.add(path.name)
            to, subject = eml_headers(path)
            table.add_row(to, subject)
        self.console.print(table)


def eml_headers(path: Path) -> tuple[str, str]:
    from email import message_from_bytes
    from email.header import decode_header, make_header

    message = message_from_bytes(path.read_bytes())
    subject = str(make_header(decode_header(message.get("Subject", ""))))
    return str(message.get("To", "")), subject


def _describe_change(change: Any) -> str:
    if change.kind is ChangeKind.INVENTORY_POLICY:
        return (
            "keep selling when out of stock"
            if change.policy.value == "continue"
            else "stop selling"
        )
    if change.kind is ChangeKind.ADD_TAGS:
        return "tag " + ", ".join(change.tags)
    if change.kind is ChangeKind.REMOVE_TAGS:
        return "untag " + ", ".join(change.tags)
    if change.kind is ChangeKind.ETA:
        return f"label '{change.eta_label}'" if change.eta_label else "clear the ETA label"
    return str(change.kind.value)


def _describe_action(action: Any) -> str:
    units = sum(quantity for _, quantity in action.lines)
    described: dict[OrderActionKind, str] = {
        OrderActionKind.HOLD_LINES: f"hold {units} backordered unit(s); the rest ships now",
        OrderActionKind.RELEASE_HOLD: "release the hold: stock is here",
        OrderActionKind.ADD_TAGS: "tag " + ", ".join(action.tags),
        OrderActionKind.REMOVE_TAGS: "untag " + ", ".join(action.tags),
        OrderActionKind.ADD_NOTE: f"note: {action.note[:60]}",
        OrderActionKind.CREATE_DISCOUNT: f"discount code {action.discount_code}",
    }
    return described.get(action.kind, str(action.kind))


def _by_order(actions: Any) -> list[tuple[str, list[OrderAction]]]:
    grouped: dict[str, list[OrderAction]] = {}
    for action in actions:
        grouped.setdefault(action.order_id, []).append(action)
    return list(grouped.items())


def _units(count: int, sku: str) -> str:
    return f"{count} x {sku}" if count != 1 else sku


def _order_story(
    order: Order | None, actions: list[OrderAction], held_before: tuple[str, ...] | None
) -> list[tuple[str, list[OrderAction]]]:
    """One row per thing the owner should notice on an order.

    The engine lifts a hold and places a new one (RELEASE_HOLD, then HOLD_LINES) whenever the
    waiting lines change; told as two rows it reads as "released" then "held" with no SKU, so a
    pair is told as one move: what ships now, and what the hold still covers.
    """
    lines = {line.platform_id: line for line in order.lines} if order else {}

    def sku(line_id: str) -> str:
        line = lines.get(line_id)
        return (line.sku or line.title) if line else line_id

    release = next((a for a in actions if a.kind is OrderActionKind.RELEASE_HOLD), None)
    hold = next((a for a in actions if a.kind is OrderActionKind.HOLD_LINES), None)
    rows: list[tuple[str, list[OrderAction]]] = []
    held = ", ".join(_units(units, sku(line_id)) for line_id, units in hold.lines) if hold else ""
    if release is not None:
        still = dict(hold.lines) if hold else {}
        shipping = []
        for line_id in held_before or ():
            line = lines.get(line_id)
            free = (line.open_quantity if line else 0) - still.get(line_id, 0)
            if free > 0 or line_id not in still:
                shipping.append(_units(max(free, 1), sku(line_id)))
        ships = f"{', '.join(shipping)} ships now" if shipping else ""
        if hold is not None:
            moved = f"hold moved to the {held} still waiting"
            text = f"{ships}; {moved}" if ships else moved
            rows.append((text, [release, hold]))
        else:
            rows.append((f"{ships or 'everything ships now'}; hold released", [release]))
    elif hold is not None:
        # Only say the rest ships when there is a rest: a one-line order waits whole.
        open_units = sum(line.open_quantity for line in lines.values())
        rest = "; the rest ships now" if open_units > sum(u for _, u in hold.lines) else ""
        rows.append((f"hold {held} (backordered){rest}", [hold]))
    for action in actions:
        if action is not release and action is not hold:
            rows.append((_describe_action(action), [action]))
    return rows


def _results(results: list[WriteResult | None]) -> str:
    """One result for a row that stands for several writes: the worst of them."""
    known = [r for r in results if r is not None]
    order = [WriteStatus.FAILED, WriteStatus.CONFLICT, WriteStatus.DONE, WriteStatus.SKIPPED]
    for status in order:
        for result in known:
            if result.status is status:
                return _result(result)
    return ""


def _result(result: Any) -> str:
    if result is None:
        return ""
    colour = {
        WriteStatus.DONE: "green",
        WriteStatus.SKIPPED: "dim",
        WriteStatus.CONFLICT: "yellow",
        WriteStatus.FAILED: "red",
    }[result.status]
    return f"[{colour}]{result.status.value}[/{colour}]"
