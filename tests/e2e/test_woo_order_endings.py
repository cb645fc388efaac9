"""What the shop shows and what we tell when a waiting WooCommerce order ends (issue 13, section 5).

Seen on a real WooCommerce 7.9 store driven by the connector: an order cancelled in the admin kept
our hold (``_bc_hold``; ``connector order 39`` said "on hold: yes"). A cancelled, refunded or
completed order must lose every hold and tag the connector set, in the shop and in the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model import Platform, PurchaseOrder
from connector.sandbox.seed import demo_spec

SHOP = "nordhem-woo"


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[tuple[Daemon, Database, Any, FrozenClock]]:
    from connector.demo import backordered_skus, demo_settings
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    store = WooCommerceSandbox(demo_spec(), clock=clock).start()
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    shop = SimpleNamespace(name=SHOP, platform=Platform.WOOCOMMERCE, store=store)
    settings = demo_settings([shop], "sqlite://", tmp_path / "outbox")  # type: ignore[list-item]
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    sku = backordered_skus(demo_spec())[0]
    db.add_purchase_order(PurchaseOrder("PO-1", SHOP, sku, 10, clock().date() + timedelta(days=9)))
    try:
        yield daemon, db, store, clock
    finally:
        daemon.close()
        db.close()
        store.stop()


def shop_meta(store: Any, order_id: str) -> dict[str, Any]:
    """Our keys in the order's meta, as the shop shows them (empty values left out)."""
    with store.lock:
        order = store.orders.get(int(order_id))
        entries = list(order.meta or ())
    shown: dict[str, Any] = {}
    for entry in entries:
        key, value = entry[1], entry[2]
        if key.startswith("_bc_"):
            try:
                value = json.loads(value) if isinstance(value, str) and value else value
            except ValueError:
                pass
            if value:
                shown[key] = value
            else:
                shown.pop(key, None)
    return shown


@pytest.mark.parametrize("ending", ["cancelled", "refunded", "completed"])
def test_an_order_that_ends_loses_our_hold_and_tags_in_the_shop(
    woo: tuple[Daemon, Database, Any, FrozenClock], ending: str
) -> None:
    from connector.demo import backordered_skus

    daemon, db, store, clock = woo
    sku = backordered_skus(demo_spec())[0]
    order_id = store.place_order("lena@example.com", [(sku, 2)], locale="sv")
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    assert set(shop_meta(store, order_id)) >= {"_bc_hold", "_bc_tags"}

    store.set_order_status(order_id, ending)
    clock.advance(timedelta(minutes=5))
    cycle = daemon.run_once()[SHOP]
    assert cycle is not None and cycle.ok

    assert shop_meta(store, order_id) == {}
    order = db.order(SHOP, order_id)
    assert order is not None and not any(line.on_hold for line in order.lines)
    assert not order.tags
    clock.advance(timedelta(minutes=5))
    quiet = daemon.run_once()[SHOP]
    assert quiet is not None and quiet.plan is not None
    assert not [a for a in quiet.plan.order_actions if a.order_id == order_id]
