"""The promise check re-reads every waiting order in bounded batches, and survives the re-read failing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connector.clock import FrozenClock
from connector.cycle import CycleDeps, run_cycle
from connector.db import Database
from connector.errors import RetryableError
from connector.model import (
    BackorderEntry,
    Customer,
    Money,
    Notification,
    Order,
    OrderLine,
    OrderStatus,
    Plan,
)
from connector.platform import ApiUsage, ChangePage, Resource, ResyncTarget
from connector.settings import Settings, ShopSettings
from connector.sync import reconcile_waiting_orders

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SHOP = ShopSettings(name="acme", platform="woocommerce", url="https://acme.example")  # type: ignore[arg-type]


def _order(order_id: str, note: str = "") -> Order:
    line = OrderLine(
        platform_id=f"L{order_id}",
        order_id=order_id,
        variant_id="v1",
        sku="SOFA-1",
        title="Oak Sofa",
        quantity=1,
        price=Money(Decimal("999"), "EUR"),
    )
    return Order(
        shop="acme",
        platform_id=order_id,
        number=order_id,
        created_at=T0,
        updated_at=T0,
        status=OrderStatus.OPEN,
        currency="EUR",
        customer=Customer(shop="acme", email=f"c{order_id}@example.com"),
        lines=(line,),
        note=note,
    )


class Shop:
    """Orders behind the adapter interface; one request per fetch, as WooCommerce's include= is."""

    platform = "woocommerce"
    shop = "acme"

    def __init__(self, notes: dict[str, str]) -> None:
        self.usage = ApiUsage()
        self.notes = notes
        self.fetched: list[tuple[str, ...]] = []
        self.down = False

    def read_changes(self, resource: Resource, cursor: str | None) -> Iterator[ChangePage]:
        return iter(())

    def fetch(self, target: ResyncTarget) -> ChangePage:
        self.usage.requests += 1
        if self.down:
            raise RetryableError("HTTP 503 from the shop")
        self.fetched.append(target.order_ids)
        orders = tuple(_order(i, self.notes.get(i, "")) for i in target.order_ids)
        return ChangePage(Resource.ORDERS, orders=orders)

    def apply_storefront(self, changes: Sequence[Any]) -> list[Any]:
        return []

    def apply_order_actions(self, actions: Sequence[Any]) -> list[Any]:
        return []


def _waiting(database: Database, count: int) -> list[str]:
    """``count`` orders in the database, each with one line waiting in the queue."""
    ids = [str(1000 + n) for n in range(count)]
    database.upsert_orders(_order(i) for i in ids)
    database.replace_queue(
        "acme",
        [
            BackorderEntry("acme", "SOFA-1", i, f"L{i}", f"c{i}@example.com", T0, 1, position=n)
            for n, i in enumerate(ids)
        ],
    )
    return ids


class Outbox:
    def enqueue(self, notifications: Iterable[Notification], shop: ShopSettings) -> int:
        return 0


def _deps(database: Database, shop: Shop, clock: FrozenClock, seen: list[str]) -> CycleDeps:
    def planner(db: Database, settings: Settings, name: str, now: datetime) -> Plan:
        # What the engine would plan on: the orders as the database holds them now.
        seen.extend(o.note for o in db.orders(name) if o.note)
        return Plan(shop=name)

    return CycleDeps(
        shop="acme",
        settings=Settings(shops=(SHOP,)),
        db=database,
        store=database,
        adapter=shop,  # type: ignore[arg-type]
        outbox=Outbox(),
        planner=planner,
        clock=clock,
        engine=database.engine,
    )


def test_every_waiting_order_is_reread_100_at_a_time_without_moving_a_cursor(
    database: Database,
) -> None:
    ids = _waiting(database, 250)
    shop = Shop({"1249": "customer asked to ship together"})

    result = reconcile_waiting_orders(database, shop, "acme")  # type: ignore[arg-type]

    assert [len(batch) for batch in shop.fetched] == [100, 100, 50]
    assert sorted(i for batch in shop.fetched for i in batch) == sorted(ids)
    assert (result.orders, result.pages, result.requests) == (250, 3, 3)
    order = database.order("acme", "1249")
    assert order is not None and order.note == "customer asked to ship together"
    assert database.get_cursor("acme", "orders") is None


def test_nothing_waiting_costs_no_request(database: Database) -> None:
    shop = Shop({})
    result = reconcile_waiting_orders(database, shop, "acme")  # type: ignore[arg-type]
    assert (shop.usage.requests, result.requests, result.orders) == (0, 0, 0)


def test_the_promise_check_plans_on_what_it_reread(database: Database, clock: FrozenClock) -> None:
    _waiting(database, 3)
    shop = Shop({"1001": "deliver after the 5th"})
    seen: list[str] = []

    report = run_cycle(_deps(database, shop, clock, seen), sync=False, reconcile=True)

    assert report.ok and seen == ["deliver after the 5th"]
    assert report.summary()["reconciled"]["orders"] == 3
    assert report.summary()["reconciled"]["requests"] == 1


def test_a_failed_reread_is_reported_and_the_check_still_plans(
    database: Database, clock: FrozenClock
) -> None:
    _waiting(database, 3)
    shop = Shop({})
    shop.down = True
    seen: list[str] = []

    report = run_cycle(_deps(database, shop, clock, seen), sync=False, reconcile=True)

    assert report.ok and report.plan is not None
    assert "HTTP 503" in report.reconcile_error
    assert report.summary()["reconcile_error"] == report.reconcile_error
    assert report.reconciled.requests == 1  # what the failed attempt cost is still reported


def test_a_plain_plan_check_reads_nothing(database: Database, clock: FrozenClock) -> None:
    _waiting(database, 3)
    shop = Shop({})
    run_cycle(_deps(database, shop, clock, []), sync=False)
    assert shop.usage.requests == 0


def test_a_bounded_reread_goes_round_the_waiting_orders_in_turn(database: Database) -> None:
    """With more waiting than ``limit``, each check re-reads the next share: all within 3 here."""
    ids = _waiting(database, 250)
    shop = Shop({})
    seen: list[list[str]] = []
    for _ in range(3):
        shop.fetched = []
        result = reconcile_waiting_orders(database, shop, "acme", limit=100, batch=40)  # type: ignore[arg-type]
        seen.append([i for batch in shop.fetched for i in batch])
        assert result.orders == 100 and [len(b) for b in shop.fetched] == [40, 40, 20]

    assert seen[0] == ids[:100] and seen[1] == ids[100:200]
    assert seen[2] == ids[200:] + ids[:50]  # round again from the start
    assert sorted(set().union(*map(set, seen))) == sorted(ids)


def test_a_change_polling_missed_is_found_within_the_stated_checks(database: Database) -> None:
    """A note on the last waiting order (no ``date_modified`` move) reaches the database within
    ``ceil(waiting / limit)`` checks, and a new waiting order behind the reader within one more."""
    _waiting(database, 250)
    shop = Shop({"1249": "leave at the back door"})
    notes = []
    for _ in range(3):
        reconcile_waiting_orders(database, shop, "acme", limit=100)  # type: ignore[arg-type]
        order = database.order("acme", "1249")
        notes.append(order.note if order is not None else None)
    assert notes == ["", "", "leave at the back door"]


def test_a_small_shop_still_rereads_every_waiting_order_each_check(database: Database) -> None:
    ids = _waiting(database, 30)
    shop = Shop({})
    for _ in range(2):
        shop.fetched = []
        reconcile_waiting_orders(database, shop, "acme", limit=100)  # type: ignore[arg-type]
        assert sorted(i for batch in shop.fetched for i in batch) == sorted(ids)


def test_the_promise_check_rereads_at_most_reconcile_orders(
    database: Database, clock: FrozenClock
) -> None:
    """``[schedule] reconcile_orders`` bounds what one promise check re-reads and costs."""
    from dataclasses import replace

    ids = _waiting(database, 250)
    shop = Shop({})
    deps = _deps(database, shop, clock, [])
    schedule = replace(deps.settings.schedule, reconcile_orders=120)
    deps = replace(deps, settings=replace(deps.settings, schedule=schedule))

    first = run_cycle(deps, sync=False, reconcile=True)
    _waiting(database, 250)  # this test's planner plans nothing: the queue as it was
    second = run_cycle(deps, sync=False, reconcile=True)

    assert (first.reconciled.orders, first.reconciled.requests) == (120, 2)
    assert (second.reconciled.orders, second.reconciled.requests) == (120, 2)
    assert sorted(set(first.reconciled.order_ids) | set(second.reconciled.order_ids)) == ids[:240]
