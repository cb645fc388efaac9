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
from connector.resync_queue import enqueue_resync, pending_resyncs
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


def test_resync_requests_are_drained_once_and_kept_when_the_read_fails(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    with database.engine.begin() as conn:
        enqueue_resync(
            conn, "acme", ResyncTarget(product_ids=("p1",)), source="webhook", now=clock()
        )
        enqueue_resync(conn, "acme", ResyncTarget(skus=("SOFA-1",)), source="cli", now=clock())

    def broken(target: ResyncTarget) -> ChangePage:
        raise RetryableError("HTTP 502")

    fake.fetch = broken  # type: ignore[method-assign]
    with pytest.raises(RetryableError):
        run_cycle(deps)
    assert [p.attempts for p in pending_resyncs(database.engine, "acme")] == [1, 1]
    del fake.fetch  # back to the class's fetch
    report = run_cycle(deps)
    assert report.resync_requests == 2
    assert pending_resyncs(database.engine, "acme") == []
    assert fake.fetched[0] == ResyncTarget(product_ids=("p1",), skus=("SOFA-1",))


def test_notifications_go_to_the_outbox_and_the_plan_check_writes_nothing(
    database: Database, fake: FakeShop, clock: FrozenClock
) -> None:
    deps = deps_for(database, fake, clock)
    report = run_cycle(deps, apply=False)
    assert report.plan is not None and len(report.plan.storefront) == 1
    assert fake.applied == [] and deps.outbox.queued == []  # type: ignore[attr-defined]
    run_cycle(deps)
    assert [n.email for n in deps.outbox.queued] == ["anna@example.com"]  # type: ignore[attr-defined]
