"""Each waiting order's money as the money step last read it (``money_orders``,
``money_authorizations``, migration 406): written by :mod:`connector.payments`, read by
:mod:`connector.payments_order` for ``connector order N`` and the console."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from connector.model import Money
from connector.payments_model import OrderMoney
from connector.payments_tables import money_authorizations, money_orders

__all__ = ["read_order_money", "save_order_money"]


def _text(money: Money | None) -> str:
    return f"{money.amount}" if money is not None else ""


def save_order_money(
    engine: sa.Engine,
    shop: str,
    money: Mapping[str, OrderMoney],
    waiting: Mapping[str, Money | None],
    now: datetime,
) -> None:
    """Keep what one read saw of each order (replacing its earlier picture), with the waiting
    lines' value the watchdog would capture."""
    if not money:
        return
    ids = list(money)
    with engine.begin() as conn:
        conn.execute(
            money_orders.delete()
            .where(money_orders.c.shop == shop)
            .where(money_orders.c.order_id.in_(ids))
        )
        conn.execute(
            money_authorizations.delete()
            .where(money_authorizations.c.shop == shop)
            .where(money_authorizations.c.order_id.in_(ids))
        )
        orders, auths = [], []
        for order_id, read in money.items():
            currency = next(
                (m.currency for m in (read.received, read.refunded, read.shipping) if m), "USD"
            )
            if read.authorizations:
                currency = read.authorizations[0].amount.currency
            orders.append(
                {
                    "shop": shop,
                    "order_id": order_id,
                    "financial_status": read.financial_status[:40],
                    "currency": currency,
                    "received": _text(read.received),
                    "refunded": _text(read.refunded),
                    "shipping": _text(read.shipping),
                    "waiting_value": _text(waiting.get(order_id)),
                    "read_at": now,
                }
            )
            auths += [
                {
                    "shop": shop,
                    "transaction_id": a.transaction_id,
                    "order_id": order_id,
                    "amount": _text(a.amount),
                    "capturable": _text(a.capturable),
                    "captured": _text(a.captured),
                    "currency": a.amount.currency,
                    "created_at": a.created_at,
                    "expires_at": a.expires_at,
                    "multi_capturable": a.multi_capturable,
                }
                for a in read.authorizations
            ]
        conn.execute(money_orders.insert(), orders)
        if auths:
            conn.execute(money_authorizations.insert(), auths)


def read_order_money(
    engine: sa.Engine, shop: str, order_id: str
) -> tuple[Mapping[str, Any] | None, Sequence[Mapping[str, Any]]]:
    """The order's last read and its authorizations (oldest first); None, [] when never read."""
    with engine.connect() as conn:
        read = (
            conn.execute(
                sa.select(money_orders)
                .where(money_orders.c.shop == shop)
                .where(money_orders.c.order_id == order_id)
            )
            .mappings()
            .first()
        )
        auths = (
            conn.execute(
                sa.select(money_authorizations)
                .where(money_authorizations.c.shop == shop)
                .where(money_authorizations.c.order_id == order_id)
                .order_by(money_authorizations.c.created_at)
            )
            .mappings()
            .all()
        )
    return (dict(read) if read is not None else None), [dict(a) for a in auths]
