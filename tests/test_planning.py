"""The engine's edge against a real state database: read, decide, store, and decide again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.db import Database, open_database
from connector.engine.events import mailed
from connector.model import BackorderEvent, BackorderEventKind, NotificationKind, OrderStatus
from connector.planning import contact_times, load_engine_state, plan_for_shop
from connector.settings import PolicyMatch, PolicyMode, PolicySettings, Settings, ShopSettings
from tests.engine.builders import NOW, SHOP, apply_plan, at, line, order, po, product, variant

SOFAS = PolicySettings(
    name="sofas", mode=PolicyMode.BACKORDER, match=PolicyMatch(skus=("SOFA-*",)), handling_days=2
)
SETTINGS = Settings(
    shops=(
        ShopSettings(
            name=SHOP.name, platform=SHOP.platform, url="https://demo.myshopify.com", currency="EUR"
        ),
    ),
    policies=(SOFAS,),
)


def seed(db: Database) -> None:
    db.upsert_shop(SHOP)
    db.upsert_products([product("P1", title="Oak sofa")])
    db.upsert_variants([variant("SOFA-OAK", -3)])
    db.upsert_orders(
        [
            order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 2)),
            order("BEN", at("2026-11-05"), line("B1", "SOFA-OAK", 1)),
            order("OLD", at("2026-06-01"), line("O1", "SOFA-OAK", 1), status=OrderStatus.CLOSED),
        ]
    )
    db.add_purchase_order(po("PO1", "SOFA-OAK", 2, date(2026, 12, 10)))
    db.add_purchase_order(po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)))


def store_applied(db: Database, plan_state, plan, now=NOW) -> None:  # type: ignore[no-untyped-def]
    """What the cycle does after applying a plan: re-read the shop, store queue and history."""
    after = apply_plan(plan_state, plan, now)
    later = now + timedelta(minutes=1)
    db.upsert_variants([replace(v, updated_at=later) for v in after.variants])
    db.upsert_products([replace(p, updated_at=later) for p in after.products])
    db.upsert_orders([replace(o, updated_at=later) for o in after.orders])
    db.replace_queue(SHOP.name, plan.queue)
    db.append_events(plan.events)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    yield db
    db.close()


def run_cycle_twice(db: Database) -> None:
    seed(db)
    state = load_engine_state(db, SETTINGS.shops[0], NOW)
    assert {o.platform_id for o in state.orders} == {"ANNA", "BEN"}  # the old closed one stays out
    plan = plan_for_shop(db, SETTINGS, SHOP.name, NOW)
    kinds = sorted(n.kind for n in plan.notifications)
    assert kinds == [NotificationKind.BACKORDER_CONFIRMATION] * 2
    etas = {entry.line_id: entry.eta for entry in plan.queue}
    assert etas == {"A1": date(2026, 12, 12), "B1": date(2026, 12, 22)}

    store_applied(db, state, plan)
    again = plan_for_shop(db, SETTINGS, SHOP.name, NOW + timedelta(minutes=5))
    assert again.is_empty, again
    assert not again.events

    # The history says when each customer last heard from us: two weeks on, a reminder is due.
    later = plan_for_shop(db, SETTINGS, SHOP.name, NOW + timedelta(days=13))
    assert later.is_empty
    later = plan_for_shop(db, SETTINGS, SHOP.name, NOW + timedelta(days=14, hours=1))
    assert sorted(n.order_id for n in later.notifications) == ["ANNA", "BEN"]
    assert {n.kind for n in later.notifications} == {NotificationKind.REMINDER}


def test_read_decide_store_and_decide_again_on_sqlite(sqlite_db: Database) -> None:
    run_cycle_twice(sqlite_db)


@pytest.mark.postgres
def test_read_decide_store_and_decide_again_on_postgresql(pg_schema_url: str) -> None:
    db = open_database(pg_schema_url)
    try:
        run_cycle_twice(db)
    finally:
        db.close()


def test_a_cancelled_order_that_left_the_window_still_leaves_the_queue(sqlite_db: Database) -> None:
    seed(sqlite_db)
    state = load_engine_state(sqlite_db, SETTINGS.shops[0], NOW)
    plan = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, NOW)
    store_applied(sqlite_db, state, plan)
    ben = sqlite_db.order(SHOP.name, "BEN")
    assert ben is not None
    sqlite_db.upsert_orders(
        [replace(ben, status=OrderStatus.CANCELLED, updated_at=NOW + timedelta(hours=1))]
    )
    # Planned two months later: Ben's order changed too long ago to be read as "recent".
    plan = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, NOW + timedelta(days=60))
    cancellations = [n for n in plan.notifications if n.kind is NotificationKind.CANCELLATION]
    assert [n.order_id for n in cancellations] == ["BEN"]
    assert [entry.line_id for entry in plan.queue] == ["A1"]


def test_with_reminders_off_a_ship_soon_heads_up_is_still_sent_once(sqlite_db: Database) -> None:
    """The history read back must reach the heads-up, even when reminders are switched off."""
    quiet = replace(SOFAS, reminder_every_days=0, ship_soon_days=3)
    settings = replace(
        SETTINGS,
        policies=(quiet,),
        default_policy=replace(SETTINGS.default_policy, reminder_every_days=0),
    )
    seed(sqlite_db)
    shop = settings.shops[0]
    state = load_engine_state(sqlite_db, shop, NOW)
    plan = plan_for_shop(sqlite_db, settings, SHOP.name, NOW)
    store_applied(sqlite_db, state, plan)

    # PO1 (Anna's 2 sofas) is due 2026-12-10: three days before, Anna hears they ship soon.
    day = NOW.replace(month=12, day=7)
    state = load_engine_state(sqlite_db, shop, day)
    plan = plan_for_shop(sqlite_db, settings, SHOP.name, day)
    told = [n.order_id for n in plan.notifications if n.kind is NotificationKind.REMINDER]
    assert told == ["ANNA"]
    store_applied(sqlite_db, state, plan, day)

    for later in (day + timedelta(days=1), day + timedelta(days=2)):
        again = plan_for_shop(sqlite_db, settings, SHOP.name, later)
        assert not again.notifications, again.notifications


def test_a_partly_filled_line_still_gets_its_reminder_on_time(sqlite_db: Database) -> None:
    """Stock for part of Anna's line arrives silently (no email): her reminder is not pushed back."""
    seed(sqlite_db)
    shop = SETTINGS.shops[0]
    state = load_engine_state(sqlite_db, shop, NOW)
    plan = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, NOW)
    store_applied(sqlite_db, state, plan)

    day = NOW + timedelta(days=10)
    sofa = sqlite_db.variants(SHOP.name)[0]
    sqlite_db.upsert_variants([replace(sofa, available=-2, updated_at=day)])  # one sofa in
    state = load_engine_state(sqlite_db, shop, day)
    plan = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, day)
    [anna] = [entry for entry in plan.queue if entry.order_id == "ANNA"]
    assert (anna.allocated, anna.waiting) == (1, 1)
    assert not plan.notifications  # half a line does not ship: nobody is written to
    store_applied(sqlite_db, state, plan, day)

    later = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, NOW + timedelta(days=14, hours=1))
    reminded = sorted(
        n.order_id for n in later.notifications if n.kind is NotificationKind.REMINDER
    )
    assert reminded == ["ANNA", "BEN"]


def test_only_events_that_came_with_a_message_count_as_contact() -> None:
    def ev(kind: BackorderEventKind, detail: str, order_id: str) -> BackorderEvent:
        return BackorderEvent(
            shop=SHOP.name,
            at=NOW,
            kind=kind,
            sku="SOFA-OAK",
            quantity=1,
            order_id=order_id,
            detail=detail,
        )

    silent = [
        ev(BackorderEventKind.ALLOCATED, "stock arrived", "PART"),
        ev(BackorderEventKind.ETA_SET, "sofas: supply due 2026-12-01", "EARLIER"),
        ev(BackorderEventKind.ETA_SET, "ship soon: supply due 2026-12-01, ships in 3 days", "HUSH"),
        ev(BackorderEventKind.CANCELLED, "cancelled or refunded", "PARTCANCEL"),
        ev(BackorderEventKind.SHIPPED, "shipped", "GONE"),
    ]
    assert contact_times(silent) == {}
    told = [
        ev(BackorderEventKind.DETECTED, "sofas", "NEW"),
        ev(BackorderEventKind.DELAYED, "sofas", "LATE"),
        ev(BackorderEventKind.ETA_SET, "reminder", "OLDREMINDER"),  # history written before marks
        ev(BackorderEventKind.ETA_SET, mailed("ship soon: supply due 2026-12-01"), "SOON"),
        ev(BackorderEventKind.ALLOCATED, mailed("stock arrived"), "FULL"),
        ev(BackorderEventKind.CANCELLED, mailed("cancelled or refunded"), "CANCEL"),
    ]
    assert set(contact_times(told)) == {"NEW", "LATE", "OLDREMINDER", "SOON", "FULL", "CANCEL"}


def test_orders_placed_before_the_first_sync_get_no_confirmation_unless_asked(
    sqlite_db: Database,
) -> None:
    """A fresh database on a live shop: Anna and Ben waited before the connector existed, Cara
    orders after its first sync. Only Cara is mailed, unless the shop says notify_existing."""
    seed(sqlite_db)
    first_sync = at("2026-11-10")
    assert sqlite_db.mark_first_sync(SHOP.name, first_sync) == first_sync
    assert sqlite_db.mark_first_sync(SHOP.name, NOW) == first_sync  # the first one stays
    sqlite_db.upsert_orders([order("CARA", at("2026-11-12"), line("C1", "SOFA-OAK", 1))])

    plan = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, NOW)
    assert [(n.kind, n.order_number) for n in plan.notifications] == [
        (NotificationKind.BACKORDER_CONFIRMATION, "#CARA")
    ]
    # They still wait in the queue, held and tagged like everyone else; the history says why
    # they were not mailed.
    assert {e.order_id for e in plan.queue if e.waiting} == {"ANNA", "BEN", "CARA"}
    quiet = [
        e for e in plan.events if e.kind is BackorderEventKind.DETECTED and e.order_id != "CARA"
    ]
    assert quiet and all("placed before the first sync" in e.detail for e in quiet)

    loud = replace(SETTINGS, shops=(replace(SETTINGS.shops[0], notify_existing=True),))
    plan = plan_for_shop(sqlite_db, loud, SHOP.name, NOW)
    assert {n.order_number for n in plan.notifications} == {"#ANNA", "#BEN", "#CARA"}


def test_the_stored_queue_shares_its_orders_strings_and_times(sqlite_db: Database) -> None:
    """A warm engine keeps the stored queue until its SKUs are planned again: each entry read
    back holds its order's own id, line id, e-mail and time, and one copy of each repeated
    value, not copies of its own (at the benchmark shop the copies were 96 MiB)."""
    seed(sqlite_db)
    state = load_engine_state(sqlite_db, SETTINGS.shops[0], NOW)
    plan = plan_for_shop(sqlite_db, SETTINGS, SHOP.name, NOW)
    store_applied(sqlite_db, state, plan)
    read = load_engine_state(sqlite_db, SETTINGS.shops[0], NOW)
    assert read.previous_queue == tuple(sqlite_db.queue(SHOP.name)) == plan.queue
    orders = {o.platform_id: o for o in read.orders}
    first, second = read.previous_queue
    for entry in (first, second):
        order = orders[entry.order_id]
        (own,) = order.lines
        assert entry.order_id is order.platform_id and entry.line_id is own.platform_id
        assert entry.sku is own.sku and entry.customer_email is order.customer.email
        assert entry.ordered_at is order.created_at
    assert first.shop is second.shop and first.sku is second.sku


@pytest.mark.postgres
def test_a_whole_shop_read_comes_from_the_server_in_batches_on_postgresql(
    pg_schema_url: str,
) -> None:
    """psycopg receives a plain statement's whole result before its first row is read: a warm
    engine's start read a million order lines at once, and the daemon kept that memory (1,074 MB
    after the start on PostgreSQL against 788 MB on SQLite). The start's reads of whole tables
    go through server-side cursors, fetched in batches."""
    import sqlalchemy as sa

    db = open_database(pg_schema_url)
    try:
        seed(db)
        state = load_engine_state(db, SETTINGS.shops[0], NOW)
        plan = plan_for_shop(db, SETTINGS, SHOP.name, NOW)
        store_applied(db, state, plan)
        cursors: dict[str, set[str]] = {}

        def seen(_c: Any, cursor: Any, statement: str, *_rest: Any) -> None:
            found = re.search(r"\bFROM (\w+)", statement)
            if statement.lstrip().startswith("SELECT") and found:
                cursors.setdefault(found.group(1), set()).add(type(cursor).__name__)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            again = load_engine_state(db, SETTINGS.shops[0], NOW + timedelta(minutes=5))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        for table in (
            "orders",
            "order_lines",
            "backorder_queue",
            "backorder_events",
            "products",
            "variants",
        ):
            assert cursors.get(table) == {"ServerCursor"}, (table, cursors)
        assert [o.platform_id for o in again.orders] == ["ANNA", "BEN"]
        assert [len(o.lines) for o in again.orders] == [1, 1]
        assert sorted(e.line_id for e in again.previous_queue) == ["A1", "B1"]
        assert again.last_contacted.keys() == {"ANNA", "BEN"}
    finally:
        db.close()
