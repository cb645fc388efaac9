"""The authorizations at risk as the last money step saw them (``money_watch``), with the
ledger's state of the operation taken on each: what ``backorders``, ``report``, ``status`` and the
digest show (:mod:`connector.payments_view`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from connector.engine.money import Verdict
from connector.model import Money, Order
from connector.payments_tables import money_operations, money_watch

__all__ = ["WatchRow", "save_watch", "watch_rows"]


@dataclass(frozen=True, slots=True)
class WatchRow:
    """One authorization at risk, as ``backorders``, ``report``, ``status`` and the digest show it."""

    order_id: str
    order_number: str
    transaction_id: str
    expires_at: datetime
    act_at: datetime
    eta: date | None
    stage: str
    action: str
    amount: Money
    done: str = ""
    """The ledger's state for its operation (``done``, ``failed``...), "" when none."""
    message: str = ""
    done_kind: str = ""
    """The kind of that operation (``capture``, ``invoice``): a capture done before the expiry
    stays a capture when the verdict moved on (expired, the owner told)."""


def save_watch(
    engine: sa.Engine,
    shop: str,
    verdicts: Sequence[Verdict],
    orders: Mapping[str, Order],
    now: datetime,
) -> None:
    with engine.begin() as conn:
        conn.execute(money_watch.delete().where(money_watch.c.shop == shop))
        rows = [
            {
                "shop": shop,
                "transaction_id": v.authorization.transaction_id,
                "order_id": v.order_id,
                "order_number": orders[v.order_id].number if v.order_id in orders else "",
                "expires_at": v.expires_at,
                "act_at": v.act_at,
                "eta": v.eta.isoformat() if v.eta else "",
                "stage": v.stage.value,
                "action": v.action,
                "amount": f"{v.amount.amount}",
                "currency": v.amount.currency,
                "updated_at": now,
            }
            for v in verdicts
        ]
        if rows:
            conn.execute(money_watch.insert(), rows)


def watch_rows(engine: sa.Engine, shop: str) -> list[WatchRow]:
    """The shop's authorizations at risk as the last money step saw them, soonest expiry first,
    each with the state of the operation taken on it."""
    try:
        return _watch_rows(engine, shop)
    except sa.exc.DBAPIError:
        return []  # a database not migrated to 400 yet (a read-only ``status``): nothing known


def _watch_rows(engine: sa.Engine, shop: str) -> list[WatchRow]:
    with engine.connect() as conn:
        watch = (
            conn.execute(
                sa.select(money_watch)
                .where(money_watch.c.shop == shop)
                .order_by(money_watch.c.expires_at, money_watch.c.order_id)
            )
            .mappings()
            .all()
        )
        ops = {
            row.transaction_id: row
            for row in conn.execute(
                sa.select(money_operations).where(money_operations.c.shop == shop)
            )
        }
    found = []
    for row in watch:
        op = ops.get(row["transaction_id"])
        found.append(
            WatchRow(
                order_id=row["order_id"],
                order_number=row["order_number"],
                transaction_id=row["transaction_id"],
                expires_at=row["expires_at"],
                act_at=row["act_at"],
                eta=date.fromisoformat(row["eta"]) if row["eta"] else None,
                stage=row["stage"],
                action=row["action"],
                amount=Money(Decimal(row["amount"]), row["currency"]),
                done=op.state if op is not None else "",
                message=op.message if op is not None else "",
                done_kind=op.kind if op is not None else "",
            )
        )
    return found
