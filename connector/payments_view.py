"""How the authorizations at risk are shown: ``backorders``, ``report``, ``status``, the digest.

All read :func:`connector.payments.watch_rows` (the last money step's picture plus the ledger),
so every place says the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from connector.model import MoneyAtRisk, Notification
from connector.payments_watch import WatchRow, watch_rows
from connector.settings import ShopSettings

__all__ = [
    "digest_with_money",
    "money_line",
    "money_lines",
    "money_report",
    "print_money_report",
    "watch_by_order",
    "with_money",
]

_WHAT = {
    "wait": "watched: acts {act}",
    "capture": "capture due {act}",
    "invoice": "invoice to the customer due {act}",
    "tell_owner": "the owner decides (on_authorization_expiry = notify_owner)",
}


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def money_line(row: WatchRow) -> str:
    """``order #1001: card authorization expires 2026-11-09 10:00 UTC, before its goods (ETA
    2026-11-12); 364.65 USD for the waiting lines; capture due 2026-11-08 10:00 UTC``."""
    eta = f"ETA {row.eta.isoformat()}" if row.eta else "no ETA"
    when = (
        f"expired uncaptured {_minute(row.expires_at)} ({eta})"
        if row.stage == "expired"
        else f"expires {_minute(row.expires_at)}, before its goods ({eta})"
    )
    head = (
        f"order {row.order_number or row.order_id}: card authorization {when}; "
        f"{row.amount.amount:.2f} {row.amount.currency} to collect"
    )
    if row.done == "done":
        what = (
            "captured"
            if (row.done_kind or row.action) == "capture"
            else "payment reminder sent"
            if row.message.startswith("payment reminder")
            else "invoice sent"
        )
    elif row.done == "failed":
        what = f"{row.action} refused: {row.message}"
    elif row.done in ("intent", "unknown"):
        what = f"{row.action} sent, answer not seen yet: checked before any new try"
    elif row.stage == "expired" and row.action == "tell_owner":
        what = "ask the customer to pay (Shopify admin: the order, Send invoice)"
    else:
        what = _WHAT.get(row.action, row.action).format(act=_minute(row.act_at))
    return f"{head}; {what}"


def money_lines(engine: sa.Engine, shop: str) -> list[str]:
    """One line per authorization at risk, soonest expiry first (``connector status``)."""
    return [money_line(row) for row in watch_rows(engine, shop)]


def watch_by_order(engine: sa.Engine, shop: str) -> dict[str, list[WatchRow]]:
    found: dict[str, list[WatchRow]] = {}
    for row in watch_rows(engine, shop):
        found.setdefault(row.order_id, []).append(row)
    return found


def _as_dict(row: WatchRow) -> dict[str, Any]:
    return {
        "order_id": row.order_id,
        "order_number": row.order_number,
        "transaction_id": row.transaction_id,
        "expires_at": row.expires_at.isoformat(),
        "act_at": row.act_at.isoformat(),
        "eta": row.eta.isoformat() if row.eta else None,
        "stage": row.stage,
        "action": row.action,
        "amount": str(row.amount.amount),
        "currency": row.amount.currency,
        "state": row.done,
        "text": money_line(row),
    }


def money_report(engine: sa.Engine, shop: str) -> dict[str, Any]:
    """``connector report``'s money part: counts and value by stage, and every row."""
    rows = watch_rows(engine, shop)
    value: dict[str, Decimal] = {}
    for row in rows:
        if row.done != "done":
            currency = row.amount.currency
            value[currency] = value.get(currency, Decimal(0)) + row.amount.amount
    return {
        "at_risk": sum(1 for r in rows if r.done != "done"),
        "expired": sum(1 for r in rows if r.stage == "expired"),
        "captured": sum(1 for r in rows if r.done == "done" and r.action == "capture"),
        "value_at_risk": {currency: str(total) for currency, total in value.items()},
        "authorizations": [_as_dict(r) for r in rows],
    }


def with_money(report: dict[str, Any], money: dict[str, Any]) -> dict[str, Any]:
    """``report --json`` with an ``authorizations`` part, only when there is one to show."""
    if money["authorizations"]:
        return {**report, "authorizations": money}
    return report


def print_money_report(money: dict[str, Any], echo: Callable[[str], Any]) -> None:
    """``report``'s money lines (nothing when no authorization is at risk or was captured)."""
    if not money["authorizations"]:
        return
    worth = ", ".join(f"{v} {c}" for c, v in money["value_at_risk"].items()) or "nothing"
    echo(
        f"  card authorizations at risk: {money['at_risk']} ({money['expired']} expired "
        f"uncaptured), worth {worth}; captured before expiry: {money['captured']}"
    )
    for row in money["authorizations"]:
        echo(f"    {row['text']}")


def digest_with_money(
    digest: Notification | None,
    engine: sa.Engine,
    shop: ShopSettings,
    owner_email: str,
    now: datetime,
) -> Notification | None:
    """The day's digest with the authorizations still at risk (one is made if none was)."""
    rows: Sequence[WatchRow] = [r for r in watch_rows(engine, shop.name) if r.done != "done"]
    if not rows or not owner_email.strip():
        return digest
    risk = tuple(
        MoneyAtRisk(
            order_number=r.order_number or r.order_id,
            amount=r.amount,
            expires_at=r.expires_at,
            eta=r.eta,
            stage=r.stage,
            action=r.action,
            note=money_line(r),
        )
        for r in rows
    )
    if digest is None:
        from connector.daemon_digest import owner_digest

        digest = owner_digest(shop, owner_email, now)
    return dataclasses.replace(digest, money_at_risk=risk)
