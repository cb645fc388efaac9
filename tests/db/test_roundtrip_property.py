"""Whatever text, money and times a platform sends, the store gives back the same model objects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.db import Database
from connector.model import (
    Customer,
    InventoryPolicy,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    SkippedPayload,
    Variant,
)

# NUL is the one character PostgreSQL cannot store; it has its own test below.
text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
amounts = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False
)
moments = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)
tags = st.frozensets(text, max_size=4)
common = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@common
@given(
    title=text, amount=amounts, moment=moments, tag_set=tags, available=st.integers(-(10**6), 10**6)
)
def test_variants_round_trip(
    db: Database,
    *,
    title: str,
    amount: Decimal,
    moment: datetime,
    tag_set: frozenset[str],
    available: int,
) -> None:
    shop = uuid.uuid4().hex
    v = Variant(
        shop, "v1", "p1", title, title, Money(amount, "USD"), moment,
        available=available, tags=tag_set, inventory_policy=InventoryPolicy.CONTINUE, eta_label=title,
    )  # fmt: skip
    db.upsert_variants([v])

    [stored] = db.variants(shop)
    assert stored == v
    assert str(stored.price.amount) == str(amount)


@common
@given(name=text, note=text, moment=moments, amounts_=st.lists(amounts, min_size=0, max_size=3))
def test_orders_round_trip(
    db: Database, *, name: str, note: str, moment: datetime, amounts_: list[Decimal]
) -> None:
    shop = uuid.uuid4().hex
    lines = tuple(
        OrderLine(f"l{i}", "o1", None, name, note, i + 1, Money(a, "EUR"))
        for i, a in enumerate(amounts_)
    )
    o = Order(
        shop, "o1", note or "1", moment, moment, OrderStatus.OPEN, "EUR",
        Customer(shop, "x@example.com", name), lines, note=note,
    )  # fmt: skip
    db.upsert_orders([o])

    assert db.orders(shop) == [o]


def test_a_nul_character_never_sinks_a_page(db: Database) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    v = Variant("acme", "v1", "p1", "SKU-1", "Sofa\x00", Money(Decimal("1"), "USD"), t0)
    db.upsert_variants([v])
    db.record_skipped(SkippedPayload("acme", "products", "p9", "bad", '{"title": "\x00"}'))

    [stored] = db.variants("acme")
    assert stored.title in ("Sofa\x00", "Sofa\ufffd")
    assert db.skipped("acme")[0].platform_id == "p9"
