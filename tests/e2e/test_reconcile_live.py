"""The promise check's reconciliation against the WooCommerce sandbox over real HTTP.

WooCommerce leaves ``date_modified`` alone when only an order's meta changes, and never retries a
webhook, so polling alone can miss such a change for good. Here our hold on a waiting order is
wiped by a meta-only update (another plugin, a bulk edit): the regular cycle cannot see it, the
hourly promise check re-reads the waiting orders and puts the hold back, for a bounded number of
API requests that it reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.model import OrderActionKind, PurchaseOrder
from connector.sandbox.seed import demo_spec
from connector.sync import RECONCILE_BATCH
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon

HOLD_META = (
    "_bc_hold"  # where the WooCommerce adapter keeps its hold (adapters/woocommerce/mapping.py)
)


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    from connector.demo import backordered_skus

    with woo_daemon(tmp_path) as (daemon, db, store, clock):
        sku = backordered_skus(demo_spec())[0]
        db.add_purchase_order(
            PurchaseOrder("PO-1", SHOP, sku, 10, clock().date() + timedelta(days=9))
        )
        yield daemon, db, store, clock


def _shop_hold(store: Any, order_id: str) -> dict[str, Any]:
    """The hold the shop itself shows on the order (what a warehouse plugin would read)."""
    with store.lock:
        order = store.orders.get(int(order_id))
        modified = order.modified
        meta = [entry for entry in order.meta or () if entry[1] == HOLD_META] if order.meta else []
    value = meta[-1][2] if meta else ""
    try:
        hold = json.loads(value) if isinstance(value, str) and value else value or {}
    except ValueError:
        hold = {}
    return {"hold": hold if isinstance(hold, dict) else {}, "modified": modified}


def test_a_meta_only_change_polling_misses_is_caught_by_the_promise_check(
    woo: WooRig,
) -> None:
    from connector.demo import backordered_skus

    daemon, db, store, clock = woo
    sku = backordered_skus(demo_spec())[0]
    order_id = store.place_order("lena@example.com", [(sku, 2)], locale="sv")
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    assert _shop_hold(store, order_id)["hold"], "the waiting order should be held in the shop"
    waiting = {entry.order_id for entry in db.queue(SHOP)}
    assert order_id in waiting

    # Someone clears our hold with a meta-only update: date_modified does not move.
    before = _shop_hold(store, order_id)["modified"]
    with store.lock:
        store.orders.update(
            store.orders.get(int(order_id)), {"meta_data": [{"key": HOLD_META, "value": ""}]}
        )
    assert _shop_hold(store, order_id) == {"hold": {}, "modified": before}

    clock.advance(timedelta(minutes=5))
    cycle = daemon.run_once()[SHOP]
    assert cycle is not None and cycle.ok
    assert not _shop_hold(store, order_id)["hold"], "polling cannot see a meta-only change"

    clock.advance(timedelta(minutes=50))
    check = daemon.promise_check(SHOP)
    assert check is not None and check.ok and not check.reconcile_error
    assert set(check.reconciled.order_ids) == waiting
    # Bounded: one include= request per 100 waiting orders (none has refunds to read).
    assert check.reconciled.requests == math.ceil(len(waiting) / RECONCILE_BATCH)
    summary = check.summary()["reconciled"]
    assert summary["requests"] == check.reconciled.requests
    assert summary["orders"] == len(waiting)
    assert check.plan is not None
    holds = [
        a
        for a in check.plan.order_actions
        if a.order_id == order_id and a.kind is OrderActionKind.HOLD_LINES
    ]
    assert holds, check.plan.order_actions
    # connector status tells support when the waiting orders were last re-read, and at what cost.
    from connector.status import shop_status

    status = shop_status(
        db.engine, db, daemon.outbox, shop=SHOP, platform="woocommerce", now=clock()
    )
    assert status.last_reconcile is not None
    assert status.last_reconcile["orders"] == len(waiting)
    assert status.last_reconcile["requests"] == check.reconciled.requests
    assert status.last_reconcile["error"] == ""
    # The shop shows the hold again, and the database agrees.
    assert _shop_hold(store, order_id)["hold"]
    order = db.order(SHOP, order_id)
    assert order is not None and any(line.on_hold for line in order.lines if line.sku == sku)
    # And the next check has nothing left to put right.
    again = daemon.promise_check(SHOP)
    assert again is not None and again.plan is not None
    assert not [a for a in again.plan.order_actions if a.order_id == order_id]
