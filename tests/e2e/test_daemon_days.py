"""The daemon against both sandbox stores for simulated days, with faults on.

At the end the shop must show what the engine wants (a fresh plan is empty), the queue must be the
one a fault-free read of the same shops gives, and every email must have gone out exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model import InventoryPolicy, PurchaseOrder
from connector.sandbox.seed import demo_spec
from tests.e2e.conftest import require_pieces

FAULTS = ("429", "500", "503", "reset", "truncate")


class VirtualTime:
    """Seconds that pass only when the adapters sleep: backoff and throttle waits cost no real time,
    yet Shopify's leaky bucket refills while the adapter waits, as it would."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def monotonic(self) -> float:
        return self.now


VIRTUAL = VirtualTime()


@pytest.fixture
def stores() -> Iterator[dict[str, Any]]:
    require_pieces("connector.planning", "adapters.shopify", "adapters.woocommerce")
    from connector.sandbox.shopify import ShopifySandbox
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    made = {
        "nordhem-shopify": ShopifySandbox(
            demo_spec(), clock=clock, bucket_time=VIRTUAL.monotonic
        ).start(),
        "nordhem-woo": WooCommerceSandbox(demo_spec(), clock=clock).start(),
    }
    yield made
    for store in made.values():
        store.stop()


def _daemon(stores: dict[str, Any], db: Database, clock: FrozenClock, outbox: Path) -> Daemon:
    from types import SimpleNamespace

    from adapters import create_adapter
    from connector.demo import demo_settings
    from connector.model import Platform

    shops = [
        SimpleNamespace(
            name=name,
            platform=Platform.SHOPIFY if "shopify" in name else Platform.WOOCOMMERCE,
            store=store,
        )
        for name, store in stores.items()
    ]
    settings = demo_settings(shops, "sqlite://", outbox)  # type: ignore[arg-type]
    return Daemon(
        settings,
        db,
        clock=clock,
        renew_every=0,
        adapter_factory=lambda shop: create_adapter(shop, clock=clock, sleep=VIRTUAL.sleep),
    )


def _queue(db: Database, shop: str) -> list[tuple[Any, ...]]:
    return sorted(
        (e.sku, e.order_id, e.line_id, e.waiting, e.allocated, e.eta) for e in db.queue(shop)
    )


@pytest.mark.slow
def test_a_week_of_cycles_with_faults_converges_to_the_engines_expectation(
    stores: dict[str, Any], tmp_path: Path
) -> None:
    from connector.demo import backordered_skus

    shopify = stores["nordhem-shopify"]
    clock: FrozenClock = shopify.clock
    clock.advance(timedelta(hours=1))
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    daemon = _daemon(stores, db, clock, tmp_path / "outbox")
    first, second = backordered_skus(demo_spec())[:2]
    today = clock().date()
    for shop in stores:
        db.add_purchase_order(PurchaseOrder("PO-1", shop, first, 10, today + timedelta(days=9)))
        db.add_purchase_order(PurchaseOrder("PO-2", shop, second, 6, today + timedelta(days=16)))
    for store in stores.values():
        store.faults.set_rate(0.1, kinds=FAULTS, seed=11)

    for day in range(6):
        for quarter in range(4):
            clock.advance(timedelta(hours=6))
            if quarter == 1:
                for store in stores.values():
                    store.place_order(f"day{day}@example.com", [(first, 1)], locale="sv")
            if day == 2 and quarter == 2:
                for store in stores.values():
                    store.receive_stock(first, 3)
            if day == 3 and quarter == 0:
                for shop in stores:  # the supplier slips by two weeks
                    db.add_purchase_order(
                        PurchaseOrder("PO-2", shop, second, 6, today + timedelta(days=30))
                    )
            daemon.run_once()

    for store in stores.values():
        store.faults.clear()
    for _ in range(2):
        reports = daemon.run_once()
        assert all(r is not None and r.ok for r in reports.values()), reports

    planner = daemon.planner
    for shop, store in stores.items():
        # The shop shows what the engine wants: nothing left to write.
        final = planner(db, daemon.settings, shop, clock())
        assert final.storefront == () and final.order_actions == (), (shop, final)
        # The queue equals what a fault-free read of the same shop gives.
        fresh = open_database(f"sqlite:///{tmp_path / (shop + '-fresh.db')}", clock=clock)
        for po in db.purchase_orders(shop):
            fresh.add_purchase_order(po)
        check = _daemon({shop: store}, fresh, clock, tmp_path / "unused")
        check.run_once(deliver=False)
        assert _queue(fresh, shop) == _queue(db, shop)
        assert db.queue(shop), f"{shop}: the scenario should leave lines waiting"
        # A SKU with supply on its way keeps selling.
        variant = db.variant_by_sku(shop, second)
        assert variant is not None and variant.inventory_policy is InventoryPolicy.CONTINUE
        check.close()
        fresh.close()

    # Every email went out exactly once.
    files = list((tmp_path / "outbox").glob("*.eml"))
    ids = [message_from_bytes(p.read_bytes())["Message-ID"] for p in files]
    assert ids and len(ids) == len(set(ids))
    sent = sum(daemon.outbox.status(shop).sent for shop in stores)
    waiting = sum(daemon.outbox.status(shop).pending for shop in stores)
    assert sent == len(files) and waiting == 0
    daemon.close()
    db.close()
