"""What the connector spends on a WooCommerce shop, counted against what the store served (issue 19).

* Writes cost per batch, not per order: new held orders are written through ``orders/batch`` with
  what the hold says in a visible order field, and no note per order.
* Every request is counted once, per shop and per purpose, in ``/metrics`` and in the cycle's
  summary (``cycle_runs.summary.sync.requests`` is filled), webhook registration included.
"""

from __future__ import annotations

import collections
import json
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connector.daemon_schema import cycle_runs
from connector.model import PurchaseOrder
from connector.platform import ResyncTarget
from connector.resync_queue import enqueue_resync
from connector.sandbox.seed import demo_spec
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon

REQUESTS = "connector_api_requests_total"


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    from connector.demo import backordered_skus

    with woo_daemon(tmp_path) as (daemon, db, store, clock):
        for number, sku in enumerate(backordered_skus(demo_spec())):
            due = clock().date() + timedelta(days=9 + number)
            db.add_purchase_order(PurchaseOrder(f"PO-{number}", SHOP, sku, 10_000, due))
        yield daemon, db, store, clock


def served(store: Any) -> collections.Counter[str]:
    return collections.Counter(entry.operation for entry in store.log.entries())


def last_summary(daemon: Any) -> dict[str, Any]:
    with daemon.db.engine.connect() as conn:
        row = conn.execute(
            sa.select(cycle_runs.c.summary).order_by(cycle_runs.c.id.desc()).limit(1)
        ).one()
    return dict(json.loads(row.summary))


def test_new_held_orders_cost_batches_not_a_note_each(woo: WooRig) -> None:
    from connector.demo import backordered_skus

    daemon, _db, store, clock = woo
    daemon.run_once(deliver=False)
    clock.advance(timedelta(minutes=5))
    daemon.run_once(deliver=False)
    skus = backordered_skus(demo_spec())
    rng = random.Random(19)
    new = [
        store.place_order(f"n{i}@example.com", [(rng.choice(skus), 1)], checkout=False)
        for i in range(250)
    ]
    clock.advance(timedelta(minutes=5))
    store.log.clear()
    report = daemon.run_once(deliver=False)[SHOP]
    assert report is not None and report.ok
    count = served(store)
    assert count["POST notes"] == 0
    assert count["POST orders_batch"] == 3  # 250 orders, 100 a batch
    # Issue 19's budget: 60 requests per 1,000 new orders, plus the variations of the products
    # whose stock the orders moved (one request per variable product).
    assert sum(count.values()) - count["GET variations"] <= 60 * 250 // 1000
    with store.lock:
        parents = {store.catalog.items[store.catalog.by_sku[sku]].parent for sku in skus}
    assert count["GET variations"] <= len(parents - {0, None})
    # What the owner sees on each held order: the hold in words, in the "Backorder hold" field.
    with store.lock:
        fields = [
            [
                entry[2]
                for entry in store.orders.get(int(oid)).meta or ()
                if entry[1] == "Backorder hold"
            ]
            for oid in new
        ]
    assert all(f and f[-1].startswith("Held back until stock arrives: 1 × ") for f in fields)


def test_every_request_is_counted_once_by_purpose_as_the_store_served_it(woo: WooRig) -> None:
    daemon, _db, store, clock = woo
    daemon.callback_base = "http://127.0.0.1:9"  # registration only: nothing is delivered here
    store.log.clear()
    daemon.repair_webhooks(SHOP)
    registered = len(store.log.entries())
    assert registered > 0
    assert daemon.metrics.get(REQUESTS, shop=SHOP, purpose="webhooks") == registered

    report = daemon.run_once(deliver=False)[SHOP]
    assert report is not None and report.ok
    summary = last_summary(daemon)
    assert summary["sync"]["requests"] == report.requests["sync"] > 0
    assert report.requests["write"] > 0
    assert sum(summary["requests"].values()) == len(store.log.entries()) - registered

    clock.advance(timedelta(minutes=5))
    order_id = store.place_order("ann@example.com", [(demo_skus()[0], 1)], checkout=False)
    with daemon.db.engine.begin() as conn:
        target = ResyncTarget(order_ids=(order_id,))
        enqueue_resync(conn, SHOP, target, source="test", now=clock())
    daemon.run_once(deliver=False)
    assert last_summary(daemon)["requests"]["resync"] >= 1
    daemon.promise_check(SHOP)
    assert last_summary(daemon)["requests"]["check"] >= 1

    total = len(store.log.entries())
    assert daemon.metrics.get(REQUESTS, shop=SHOP) == total
    by_purpose = {
        purpose: daemon.metrics.get(REQUESTS, shop=SHOP, purpose=purpose)
        for purpose in ("sync", "resync", "check", "write", "webhooks")
    }
    assert sum(by_purpose.values()) == total
    text = daemon.metrics.render()
    assert f'{REQUESTS}{{purpose="webhooks",shop="{SHOP}"}} {registered}' in text


def demo_skus() -> list[str]:
    from connector.demo import backordered_skus

    return backordered_skus(demo_spec())
