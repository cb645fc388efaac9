"""One shop's cycle: applied writes are re-read so the next plan is empty; failed writes come back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.cycle import CycleDeps, record_run, run_cycle
from connector.db import Database
from connector.errors import RetryableError
from connector.model import (
    BackorderEvent,
    BackorderEventKind,
    ChangeKind,
    InventoryPolicy,
    Money,
    Notification,
    NotificationKind,
    Plan,
    Product,
    StorefrontChange,
    Variant,
    WriteResult,
    WriteStatus,
)
from connector.platform import ApiUsage, ChangePage, Resource, ResyncTarget
from connector.resync_queue import (
    MAX_ATTEMPTS,
    enqueue_resync,
    exhausted_resyncs,
    pending_resyncs,
)
from connector.settings import Settings, ShopSettings
from connector.status import shop_status

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SHOP = ShopSettings(name="acme", platform="shopify", url="https://acme.myshopify.com")  # type: ignore[arg-type]


class FakeShop:
    """A shop behind the adapter interface: one sofa variant whose policy we may change."""

    platform = "shopify"
    shop = "acme"

    def __init__(self) -> None:
        self.usage = ApiUsage()
        self.variant = Variant(
            shop="acme",
            platform_id="v1",
            product_id="p1",
            sku="SOFA-1",
            title="Oak Sofa",
            price=Money(Decimal("999"), "EUR"),
            updated_at=T0,
            available=-2,
        )
        self.applied: list[str] = []
        self.failing = 0
        self.fetched: list[ResyncTarget] = []

    def read_changes(self, resource: Resource, cursor: str | None) -> Iterator[ChangePage]:
        self.usage.requests += 1
        if resource is Resource.PRODUCTS and cursor is None:
            product = Product(shop="acme", platform_id="p1", title="Oak Sofa", updated_at=T0)
            yield ChangePage(resource, products=(product,), variants=(self.variant,), cursor="c1")

    def fetch(self, target: ResyncTarget) -> ChangePage:
        self.fetched.append(target)
        return ChangePage(Resource.PRODUCTS, variants=(self.variant,))

    def apply_storefront(self, changes: Sequence[StorefrontChange]) -> list[WriteResult]:
        results = []
        for change in changes:
            if self.failing:
                self.failing -= 1
                results.append(
                    WriteResult(change.key, WriteStatus.FAILED, "HTTP 503", retryable=True)
                )
                continue
            assert change.policy is not None
            if self.variant.inventory_policy is change.policy:
                results.append(WriteResult(change.key, WriteStatus.SKIPPED))
                continue
            self.variant = replace(self.variant, inventory_policy=change.policy)
            self.applied.append(change.key)
            results.append(WriteResult(change.key, WriteStatus.DONE))
        return results

    def apply_order_actions(self, actions: Sequence[Any]) -> list[WriteResult]:
        return []


def planner(db: Database, settings: Settings, shop: str, now: datetime) -> Plan:
    """Wants every sold-out sofa to keep selling, and says so to nobody but the storefront."""
    changes = tuple(
        StorefrontChange(
            shop=shop,
            kind=ChangeKind.INVENTORY_POLICY,
            product_id=v.product_id,
            variant_id=v.platform_id,
            sku=v.sku,
            policy=InventoryPolicy.CONTINUE,
            reason="supply covers the demand",
        )
        for v in db.variants(shop)
        if v.available <= 0 and v.inventory_policy is InventoryPolicy.DENY
    )
    note = Notification(
        shop=shop,
        kind=NotificationKind.BACKORDER_CONFIRMATION,
        order_id="o1",
        order_number="#1001",
        email="anna@example.com",
        name="Anna",
        locale="sv",
        lines=(),
        created_at=now,
    )
    return Plan(shop=shop, storefront=changes, notifications=(note,) if changes else ())


class Outbox:
    def __init__(self) -> None:
        self.queued: list[Notification] = []

    def enqueue(self, notifications: Iterable[Notification], shop: ShopSettings) -> int:
        self.queued.extend(notifications)
        return len(self.queued)


@pytest.fixture
def fake() -> FakeShop:
    return FakeShop()


def deps_for(database: Database, fake: FakeShop, clock: FrozenClock) -> CycleDeps:
    return CycleDeps(
        shop="acme",
        settings=Settings(shops=(SHOP,)),
        db=database,
        store=database,
        adapter=fake,  # type: ignore[arg-type]
        outbox=Outbox(),
        planner=planner,
        clock=clock,
        engine=database.engine,
    )


def test_applied_changes_are_reread_so_the_next_plan_is_empty(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    first = run_cycle(deps)
    assert [r.status for r in first.storefront_results] == [WriteStatus.DONE]
    assert fake.fetched == [ResyncTarget(product_ids=("p1",))]
    assert database.variant_by_sku("acme", "SOFA-1").inventory_policy is InventoryPolicy.CONTINUE  # type: ignore[union-attr]
    second = run_cycle(deps)
    assert second.plan is not None and second.plan.is_empty
    assert fake.applied == ["acme:inventory_policy:v1:"]  # written once, never twice


def test_a_failed_write_is_planned_again_and_applied_when_the_shop_recovers(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    fake.failing = 1
    failed = run_cycle(deps)
    assert [f.message for f in failed.failures] == ["HTTP 503"]
    record_run(database.engine, failed)
    status = shop_status(
        database.engine, database, None, shop="acme", platform="shopify", now=clock()
    )
    assert status.last_write_failures == ["acme:inventory_policy:v1:: failed HTTP 503"]
    recovered = run_cycle(deps)
    assert [r.status for r in recovered.storefront_results] == [WriteStatus.DONE]
    assert fake.variant.inventory_policy is InventoryPolicy.CONTINUE


def test_nothing_is_written_once_the_lease_is_lost(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    report = run_cycle(deps, still_held=lambda: False)
    assert report.lease_lost and not report.ok
    assert fake.applied == []
    assert deps.outbox.queued == []  # type: ignore[attr-defined]


def test_resync_requests_are_drained_once_in_one_merged_fetch(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    with database.engine.begin() as conn:
        enqueue_resync(
            conn, "acme", ResyncTarget(product_ids=("p1",)), source="webhook", now=clock()
        )
        enqueue_resync(conn, "acme", ResyncTarget(skus=("SOFA-1",)), source="cli", now=clock())
    report = run_cycle(deps)
    assert report.resync_requests == 2
    assert pending_resyncs(database.engine, "acme") == []
    assert fake.fetched[0] == ResyncTarget(product_ids=("p1",), skus=("SOFA-1",))


def test_one_bad_resync_request_neither_blocks_the_sync_nor_vanishes(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    with database.engine.begin() as conn:
        enqueue_resync(conn, "acme", ResyncTarget(order_ids=("gone",)), source="cli", now=clock())
        enqueue_resync(
            conn, "acme", ResyncTarget(product_ids=("p1",)), source="webhook", now=clock()
        )
    good_fetch = fake.fetch

    def picky(target: ResyncTarget) -> ChangePage:
        if "gone" in target.order_ids:
            raise RetryableError(
                "HTTP 404 at https://x/?oauth_consumer_key=ck_abc&oauth_signature=Zm9v"
            )
        return good_fetch(target)

    fake.fetch = picky  # type: ignore[method-assign]
    for _ in range(MAX_ATTEMPTS):
        report = run_cycle(deps)
        assert report.ok
    # The shop was synced all along, and the good request was served on the first cycle.
    assert report.sync.changed or database.variant_by_sku("acme", "SOFA-1") is not None
    assert ResyncTarget(product_ids=("p1",)) in fake.fetched
    assert pending_resyncs(database.engine, "acme") == []  # given up after MAX_ATTEMPTS
    (gave_up,) = exhausted_resyncs(database.engine, "acme")
    assert gave_up[1] == "cli" and "HTTP 404" in gave_up[2]
    assert "ck_abc" not in gave_up[2] and "Zm9v" not in gave_up[2]
    status = shop_status(
        database.engine, database, None, shop="acme", platform="shopify", now=clock()
    )
    assert status.resyncs_failed == 1
    assert any("gave up" in problem and "HTTP 404" in problem for problem in status.last_errors)


def test_a_full_resync_stopped_early_stays_queued(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    with database.engine.begin() as conn:
        enqueue_resync(conn, "acme", ResyncTarget(everything=True), source="cli", now=clock())
    stop_now = [False]

    def stop() -> bool:
        stop_now[0] = True  # a SIGTERM arrives as the first page is saved
        return True

    run_cycle(deps, should_stop=stop)
    assert [p.target.everything for p in pending_resyncs(database.engine, "acme")] == [True]
    run_cycle(deps)
    assert pending_resyncs(database.engine, "acme") == []


def test_nothing_is_saved_once_the_lease_is_lost_mid_apply(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    checks = iter([True])  # held for the storefront write, lost right after

    def still_held() -> bool:
        return next(checks, False)

    def planner_with_history(db: Database, settings: Settings, shop: str, now: datetime) -> Plan:
        plan = planner(db, settings, shop, now)
        event = BackorderEvent(shop, now, BackorderEventKind.DETECTED, "SOFA-1", 2, "o1", "l1")
        return replace(plan, events=(event,))

    deps.planner = planner_with_history
    report = run_cycle(deps, still_held=still_held)
    assert report.lease_lost and not report.ok
    assert fake.applied == ["acme:inventory_policy:v1:"]
    assert deps.outbox.queued == []  # type: ignore[attr-defined]
    assert database.events("acme") == []
    assert fake.fetched == []  # no re-read either: the new holder does its own


def test_notifications_go_to_the_outbox_and_the_plan_check_writes_nothing(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    report = run_cycle(deps, apply=False)
    assert report.plan is not None and len(report.plan.storefront) == 1
    assert fake.applied == [] and deps.outbox.queued == []  # type: ignore[attr-defined]
    run_cycle(deps)
    assert [n.email for n in deps.outbox.queued] == ["anna@example.com"]  # type: ignore[attr-defined]


def test_a_queued_order_number_survives_the_queue_and_merging() -> None:
    from connector.resync_queue import merge_targets, target_from_json, target_to_json

    target = ResyncTarget(order_numbers=("1003",))
    assert target_from_json(target_to_json(target)) == target
    merged = merge_targets([target, ResyncTarget(order_ids=("o1",))])
    assert merged.order_numbers == ("1003",) and merged.order_ids == ("o1",)


def test_status_finds_the_last_success_behind_many_failed_runs_as_healthz_does(
    database: Database, clock: FrozenClock
) -> None:
    from datetime import timedelta

    from connector.cycle import CycleReport
    from connector.web.webhooks import shop_health

    good = CycleReport(shop="acme", started_at=T0, finished_at=T0 + timedelta(minutes=1))
    record_run(database.engine, good)
    for n in range(25):  # more failures than the status looks back over run by run
        at = T0 + timedelta(minutes=5 * (n + 1))
        record_run(
            database.engine,
            CycleReport(shop="acme", started_at=at, finished_at=at, error="AuthError: revoked"),
        )
    now = T0 + timedelta(hours=3)
    status = shop_status(database.engine, database, None, shop="acme", platform="shopify", now=now)
    assert status.last_success == T0 + timedelta(minutes=1)
    assert status.last_run_ok is False
    [health] = shop_health(database.engine, ["acme"], now, timedelta(minutes=15))
    assert health.last_success == status.last_success and not health.healthy


def test_each_cycle_counts_the_api_requests_it_made_once(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    run_cycle(deps)
    first = fake.usage.requests
    assert first > 0
    assert deps.metrics.get("connector_api_requests_total", shop="acme") == first
    run_cycle(deps)
    assert deps.metrics.get("connector_api_requests_total", shop="acme") == fake.usage.requests
    assert 'connector_api_requests_total{purpose="sync",shop="acme"}' in deps.metrics.render()


def test_the_recorded_run_says_what_the_plan_held(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    import json

    import sqlalchemy as sa

    from connector.cycle import CycleReport
    from connector.daemon_schema import cycle_runs

    report = run_cycle(deps_for(database, fake, clock))
    record_run(database.engine, report)
    never_planned = CycleReport(shop="acme", started_at=clock(), error="AuthError: revoked")
    record_run(database.engine, never_planned)
    with database.engine.connect() as conn:
        summaries = conn.execute(sa.select(cycle_runs.c.summary).order_by(cycle_runs.c.id))
        plans = [json.loads(text)["plan"] for text in summaries.scalars()]
    assert plans == [
        {"storefront": 1, "order_actions": 0, "notifications": 1, "queue": 0, "events": 0},
        {"storefront": 0, "order_actions": 0, "notifications": 0, "queue": 0, "events": 0},
    ]
