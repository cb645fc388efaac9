"""What the owner sees of deferred pre-order balances (``connector status``, ``connector order``,
the daily digest), read from the money ledger (:mod:`connector.balance_collection` writes it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import sqlalchemy as sa

from connector.balance_collection import KIND
from connector.model import Money, MoneyAtRisk, Notification, Order
from connector.payments_tables import money_operations
from connector.settings import ShopSettings

__all__ = ["BalanceRow", "balance_lines", "balance_rows", "digest_with_balances"]


class _Orders(Protocol):
    @property
    def engine(self) -> sa.Engine: ...

    def order(self, shop: str, platform_id: str) -> Order | None: ...


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """One balance collection as ``connector status`` and ``connector order`` show it."""

    order_id: str
    state: str
    amount: Money
    message: str
    updated_at: datetime

    @property
    def text(self) -> str:
        said = {
            "done": "collected",
            "failed": "could not be collected; the line stays on hold, customer told and invoiced",
            "intent": "being collected",
            "unknown": "sent, answer not confirmed yet (read again before any new attempt)",
        }.get(self.state, self.state)
        why = f" ({self.message})" if self.state == "failed" and self.message else ""
        return f"pre-order balance {self.amount.amount:f} {self.amount.currency}: {said}{why}"


def balance_rows(engine: sa.Engine, shop: str, order_id: str | None = None) -> list[BalanceRow]:
    """The shop's balance collections (one order's with ``order_id``), newest first."""
    query = (
        sa.select(money_operations)
        .where(money_operations.c.shop == shop)
        .where(money_operations.c.kind == KIND)
        .order_by(money_operations.c.updated_at.desc())
    )
    if order_id is not None:
        query = query.where(money_operations.c.order_id == order_id)
    try:
        with engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
    except sa.exc.DBAPIError:
        return []  # a database not migrated to 400 yet (a read-only ``status``)
    return [
        BalanceRow(
            order_id=r["order_id"],
            state=r["state"],
            amount=Money(Decimal(r["amount"]), r["currency"] or "USD"),
            message=r["message"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


def balance_lines(engine: sa.Engine, shop: str) -> list[str]:
    """``connector status``'s lines: balances not collected (failed or unconfirmed)."""
    return [
        f"order {row.order_id}: {row.text}"
        for row in balance_rows(engine, shop)
        if row.state != "done"
    ]


def digest_with_balances(
    digest: Notification | None, db: _Orders, shop: ShopSettings, owner_email: str, now: datetime
) -> Notification | None:
    """The day's digest with the balances that could not be collected (one is made if none was)."""
    rows = [r for r in balance_rows(db.engine, shop.name) if r.state == "failed"]
    if not rows or not owner_email.strip():
        return digest
    due = []
    for row in rows:
        order = db.order(shop.name, row.order_id)
        due.append(
            MoneyAtRisk(
                order_number=order.number if order is not None else row.order_id,
                amount=row.amount,
                expires_at=row.updated_at,
                eta=None,
                stage="balance",
                action="hold",
                note=row.message,
            )
        )
    if digest is None:
        from connector.daemon_digest import owner_digest

        digest = owner_digest(shop, owner_email, now)
    return dataclasses.replace(digest, balances_due=tuple(due))
