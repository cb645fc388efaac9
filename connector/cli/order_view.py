"""``connector order`` for people: the order's lines, queue, events and emails as tables, with the
customer's choices and the money kept beside them (the command itself is in ``cli/daemon.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.db import Database
    from connector.payments_order import OrderMoneyView
    from connector.settings import Settings
    from connector.status import OrderStory
    from connector.web.customer_history import ChoiceRow

__all__ = ["order_choices", "order_money", "print_story"]


def order_choices(db: Database, story: OrderStory) -> list[ChoiceRow]:
    """What the customer chose on their page for this order, lines named as support reads them."""
    from connector.web.customer_history import choice_history

    names = {line.platform_id: story.line_name(line.platform_id) for line in story.order.lines}
    return choice_history(db.engine, story.shop, story.order.platform_id, names)


def order_money(
    db: Database, settings: Settings, story: OrderStory, now: datetime
) -> OrderMoneyView:
    """The money held for this order (authorizations, deposits, balances), as of ``now``."""
    from connector.payments_order import order_money_view

    names = {line.platform_id: story.line_name(line.platform_id) for line in story.order.lines}
    return order_money_view(
        db.engine,
        settings,
        story.shop,
        order=story.order,
        queue=story.queue,
        line_name=names,
        emails=story.emails,
        store=db,
        now=now,
    )


def print_story(story: OrderStory) -> None:
    """The order as support staff read it: SKUs and titles (never line ids), times in UTC to the
    minute. ``--json`` keeps every id and full timestamp for scripts."""
    from rich.console import Console
    from rich.table import Table

    from connector.status import minute_utc

    console = Console()
    order = story.order
    customer = order.customer
    console.print(
        f"[bold]Order {order.number}[/bold] ({story.shop}, {order.status.value}) "
        f"- {customer.name} <{customer.email}>, placed {minute_utc(order.created_at)}",
        highlight=False,
    )
    lines = Table("SKU", "title", "qty", "shipped", "cancelled", "on hold")
    for line in order.lines:
        lines.add_row(
            line.sku or "-",
            line.title,
            str(line.quantity),
            str(line.fulfilled),
            str(line.cancelled),
            "yes" if line.on_hold else "",
        )
    console.print(lines)
    if story.queue:
        queue = Table("waiting line", "position", "waiting", "allocated", "ETA", "why")
        for entry in story.queue:
            queue.add_row(
                story.line_name(entry.line_id),
                str(entry.position),
                str(entry.waiting),
                str(entry.allocated),
                entry.eta.isoformat() if entry.eta else "no date",
                entry.reason,
            )
        console.print(queue)
    else:
        console.print("Not waiting in any queue.")
    for event in story.events:
        eta = f" ETA {event.eta.isoformat()}" if event.eta else ""
        old = f" (was {event.old_eta.isoformat()})" if event.old_eta else ""
        console.print(
            f"  {minute_utc(event.at)}  {event.kind.value:<10} {event.sku} x{event.quantity}"
            f"{eta}{old}",
            highlight=False,
        )
    for email in story.emails:
        when = minute_utc(email.sent_at or email.created_at)
        console.print(
            f"  {when}  email {email.kind} to {email.recipient}: {email.status} ({email.subject})",
            highlight=False,
        )
