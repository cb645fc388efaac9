"""The daemon against both sandbox stores for simulated days, with faults on.

The same week runs twice — once with 10% of the API requests failing (429, 5xx, reset connections,
truncated bodies, answers slower than the client's timeout, and on Shopify 200 THROTTLED), once
without — and must end the same: what the storefronts show, which lines
wait with which ETA, which orders are held, and which emails went out, each exactly once. At the
end the shops show what the engine wants: a fresh plan has nothing left to write.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model import InventoryPolicy, Platform, PurchaseOrder
from connector.sandbox.seed import demo_spec

FAULTS = ("429", "500", "503", "reset", "truncate", "slow")
SHOPIFY_FAULTS = (*FAULTS, "throttled")  # THROTTLED is Shopify's own: a 200 with a GraphQL error
TIMEOUT = 0.5
"""The adapters' client timeout in this test: a slow answer (``SLOW`` seconds) times out fast."""
SLOW = 1.0


class VirtualTime:
    """Seconds that pass only when the adapters sleep: backoff and throttle waits cost no real time,
    yet Shopify's leaky bucket refills while an adapter waits, as it would."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def monotonic(self) -> float:
        # Real seconds pass for the shop too: the adapter counts them (monotonic + what it slept),
        # so a bucket that ignored them would refill slower than the adapter expects on a slow day.
        return time.monotonic() + self.now


@dataclass
class Outcome:
    """What a store owner and the customers saw at the end, in platform-neutral terms."""

    storefront: dict[str, Any]
    queue: dict[str, Any]
    holds: dict[str, Any]
    emails: list[tuple[str, str]]
    message_ids: list[str]
    outbox_sent: int
    outbox_waiting: int
    final_plans: dict[str, Any]
    faults_seen: int = 0
    fault_kinds: list[str] = field(default_factory=list)


def _daemon(stores: dict[str, Any], db: Database, clock: FrozenClock, outbox: Path) -> Daemon:
    from adapters import create_adapter
    from connector.demo import demo_settings

    virtual: VirtualTime = stores["virtual"]
    shops = [
        SimpleNamespace(
            name=name,
            platform=Platform.SHOPIFY if "shopify" in name else Platform.WOOCOMMERCE,
            store=store,
        )
        for name, store in stores.items()
        if name != "virtual"
    ]
    settings = demo_settings(shops, "sqlite://", outbox)  # type: ignore[arg-type]
    # A short client timeout keeps the slow-answer faults cheap in real time (backoff is virtual).
    settings = replace(
        settings, shops=tuple(replace(shop, timeout_seconds=TIMEOUT) for shop in settings.shops)
    )
    return Daemon(
        settings,
        db,
        clock=clock,
        renew_every=0,
        adapter_factory=lambda shop: create_adapter(shop, clock=clock, sleep=virtual.sleep),
    )


def _outcome(daemon: Daemon, db: Database, outbox: Path) -> Outcome:
    def number(shop: str, order_id: str) -> str:
        order = db.order(shop, order_id)
        return order.number if order else order_id

    storefront, queue, holds, plans = {}, {}, {}, {}
    for shop in (s.name for s in daemon.shops):
        storefront[shop] = sorted(
            (v.sku, v.inventory_policy.value, v.eta_label or "") for v in db.variants(shop)
        ) + sorted((p.title, tuple(sorted(p.tags))) for p in db.products(shop))
        queue[shop] = sorted(
            (e.sku, number(shop, e.order_id), e.position, e.waiting, e.allocated, e.eta)
            for e in db.queue(shop)
        )
        holds[shop] = sorted(
            (o.number, line.sku, line.on_hold) for o in db.orders(shop) for line in o.lines
        )
        plan = daemon.planner(db, daemon.settings, shop, daemon.clock())
        plans[shop] = (plan.storefront, plan.order_actions)
    files = sorted(outbox.glob("*.eml"))
    messages = [message_from_bytes(p.read_bytes()) for p in files]
    return Outcome(
        storefront=storefront,
        queue=queue,
        holds=holds,
        emails=sorted(
            (str(m["To"]), str(make_header(decode_header(m["Subject"])))) for m in messages
        ),
        message_ids=[str(m["Message-ID"]) for m in messages],
        outbox_sent=sum(daemon.outbox.status(s.name).sent for s in daemon.shops),
        outbox_waiting=sum(daemon.outbox.status(s.name).pending for s in daemon.shops),
        final_plans=plans,
    )


def simulate_week(folder: Path, *, faults: bool) -> Outcome:
    """Six simulated days: orders every day, early stock, a supplier delay; cycles every 6 hours."""
    from connector.demo import backordered_skus
    from connector.sandbox.shopify import ShopifySandbox
    from connector.sandbox.woocommerce import WooCommerceSandbox

    folder.mkdir()
    virtual = VirtualTime()
    clock = FrozenClock(demo_spec().start)
    stores: dict[str, Any] = {
        "nordhem-shopify": ShopifySandbox(
            demo_spec(), clock=clock, bucket_time=virtual.monotonic
        ).start(),
        "nordhem-woo": WooCommerceSandbox(demo_spec(), clock=clock).start(),
    }
    shops = list(stores)
    stores["virtual"] = virtual
    try:
        clock.advance(timedelta(hours=1))
        db = open_database(f"sqlite:///{folder / 'state.db'}", clock=clock)
        daemon = _daemon(stores, db, clock, folder / "outbox")
        first, second = backordered_skus(demo_spec())[:2]
        today = clock().date()
        for shop in shops:
            db.add_purchase_order(PurchaseOrder("PO-1", shop, first, 10, today + timedelta(days=9)))
            db.add_purchase_order(
                PurchaseOrder("PO-2", shop, second, 6, today + timedelta(days=16))
            )
        if faults:
            for shop in shops:
                kinds = SHOPIFY_FAULTS if "shopify" in shop else FAULTS
                stores[shop].faults.slow_seconds = SLOW
                stores[shop].faults.set_rate(0.1, kinds=kinds, seed=11)
        for day in range(6):
            for quarter in range(4):
                clock.advance(timedelta(hours=6))
                if quarter == 1:
                    for shop in shops:
                        stores[shop].place_order(f"day{day}@example.com", [(first, 1)], locale="sv")
                if day == 2 and quarter == 2:
                    for shop in shops:
                        stores[shop].receive_stock(first, 3)
                if day == 3 and quarter == 0:
                    for shop in shops:  # the supplier slips by two weeks
                        db.add_purchase_order(
                            PurchaseOrder("PO-2", shop, second, 6, today + timedelta(days=30))
                        )
                daemon.run_once()
                if quarter == 3:  # the promise check re-reads every waiting order, both platforms
                    for shop in shops:
                        check = daemon.promise_check(shop)
                        assert check is not None
                        if not faults:
                            waiting = {e.order_id for e in db.queue(shop)}
                            assert check.reconciled.orders >= len(waiting) > 0
                            assert check.reconciled.pages == 1  # under 100 waiting: one fetch
        for shop in shops:
            stores[shop].faults.clear()
        # The faulty run catches up on what failed; the clean one must already be there.
        for _ in range(2):
            reports = daemon.run_once()
            assert all(r is not None and r.ok for r in reports.values()), reports
        outcome = _outcome(daemon, db, folder / "outbox")
        outcome.faults_seen = sum(
            1 for shop in shops for entry in stores[shop].log.entries() if entry.fault
        )
        outcome.fault_kinds = sorted(
            {entry.fault for shop in shops for entry in stores[shop].log.entries() if entry.fault}
        )
        variant = db.variant_by_sku(shops[0], first)  # supply covers it: it keeps selling
        assert variant is not None and variant.inventory_policy is InventoryPolicy.CONTINUE
        daemon.close()
        db.close()
        return outcome
    finally:
        for shop in shops:
            stores[shop].stop()


@pytest.mark.slow
def test_a_week_with_faults_ends_as_the_week_without(tmp_path: Path) -> None:
    faulty = simulate_week(tmp_path / "faulty", faults=True)
    clean = simulate_week(tmp_path / "clean", faults=False)

    for outcome in (faulty, clean):
        # The shops show what the engine wants: nothing left to write.
        assert all(plan == ((), ()) for plan in outcome.final_plans.values()), outcome.final_plans
        # Every email went out, once.
        assert outcome.message_ids and len(outcome.message_ids) == len(set(outcome.message_ids))
        assert outcome.outbox_sent == len(outcome.message_ids) and outcome.outbox_waiting == 0
        assert any(outcome.queue.values()), "the week should leave lines waiting"
    assert faulty.faults_seen > 20 and clean.faults_seen == 0
    assert {"slow", "throttled"} <= set(faulty.fault_kinds), faulty.fault_kinds
    assert faulty.storefront == clean.storefront
    assert faulty.queue == clean.queue
    assert faulty.holds == clean.holds
    assert faulty.emails == clean.emails
