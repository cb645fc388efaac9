"""Each waiting order's money as last read (migration 406) round-trips exactly on SQLite and
PostgreSQL: amounts as Decimal text, times in UTC, a second read replacing the first."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from connector.clock import FrozenClock
from connector.db import Database
from connector.model import Money
from connector.payments_model import Authorization, OrderMoney
from connector.payments_snapshot import read_order_money, save_order_money


def _usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def test_a_read_is_kept_and_the_next_replaces_it(db: Database, clock: FrozenClock) -> None:
    now = clock()
    auth = Authorization(
        order_id="gid://shopify/Order/1",
        transaction_id="gid://shopify/OrderTransaction/9",
        amount=_usd("1874.46"),
        capturable=_usd("1874.46"),
        captured=_usd("0"),
        created_at=now,
        expires_at=now + timedelta(days=7),
        multi_capturable=True,
    )
    first = OrderMoney(auth.order_id, (auth,), financial_status="AUTHORIZED", shipping=_usd("50"))
    save_order_money(db.engine, "acme", {auth.order_id: first}, {auth.order_id: None}, now)
    read, auths = read_order_money(db.engine, "acme", auth.order_id)
    assert read is not None and read["financial_status"] == "AUTHORIZED"
    assert (read["received"], read["shipping"], read["waiting_value"]) == ("", "50", "")
    (row,) = auths
    assert Decimal(row["amount"]) == Decimal("1874.46") and row["multi_capturable"]
    assert row["expires_at"] == now + timedelta(days=7)

    later = now + timedelta(hours=1)
    taken = replace(auth, captured=_usd("505.81"))
    second = OrderMoney(auth.order_id, (taken,), received=_usd("505.81"))
    save_order_money(
        db.engine, "acme", {auth.order_id: second}, {auth.order_id: _usd("455.81")}, later
    )
    read, auths = read_order_money(db.engine, "acme", auth.order_id)
    assert read is not None and read["read_at"] == later
    assert (read["received"], read["waiting_value"]) == ("505.81", "455.81")
    (row,) = auths
    assert Decimal(row["captured"]) == Decimal("505.81")
    assert read_order_money(db.engine, "other", auth.order_id) == (None, [])
