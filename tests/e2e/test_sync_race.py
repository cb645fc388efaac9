"""An order placed while a sync is between its reads must never make stock appear.

The platform's ``available`` already has every order's units taken off. If the store knew an order
whose units the stock it plans with still counted as free, the plan would hand the first waiting
customer stock that does not exist (release a hold, promise "ships now"), then take it back next
cycle: seen as holds released and placed again on every new order in the three-daemon test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.model import OrderActionKind
from connector.planning import plan_for_shop
from connector.platform import Resource
from connector.sync import SyncResult, pull
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    with woo_daemon(tmp_path) as rig:
        yield rig


@pytest.mark.parametrize("between", [Resource.ORDERS, Resource.PRODUCTS])
def test_an_order_placed_between_the_reads_of_a_sync_never_frees_stock(
    woo: WooRig, between: Resource
) -> None:
    daemon, db, store, clock = woo
    assert daemon.work_shop(SHOP) is not None
    first = db.queue(SHOP)[0]  # the line first in line for its SKU: it gets any stock that frees
    before = {(e.line_id, e.allocated) for e in db.queue(SHOP, first.sku)}
    placed: list[str] = []

    def place_once(resource: Resource, result: SyncResult) -> None:
        if resource is between and not placed:
            placed.append(store.place_order("late@example.com", [(first.sku, 1)], checkout=False))

    pull(db, daemon.adapter(SHOP), SHOP, progress=place_once)
    assert placed, "the order went in during the sync"
    plan = plan_for_shop(db, daemon.settings, SHOP, clock())
    after = {(e.line_id, e.allocated) for e in plan.queue if e.sku == first.sku}
    # Nobody already waiting got units: the new order took one, it did not free one.
    assert {line: units for line, units in after if line in dict(before)} == dict(before)
    assert not [
        action
        for action in plan.order_actions
        if action.kind is OrderActionKind.RELEASE_HOLD and action.order_id == first.order_id
    ]


def test_a_new_order_re_read_alone_brings_its_stock_with_it(woo: WooRig) -> None:
    """A webhook names a new order; re-reading only the order would leave its units counted as
    free (the stock was read before it was placed): its SKUs are re-read with it."""
    from connector.platform import ResyncTarget
    from connector.sync import resync

    daemon, db, store, clock = woo
    assert daemon.work_shop(SHOP) is not None
    first = db.queue(SHOP)[0]
    before = {(e.line_id, e.allocated) for e in db.queue(SHOP, first.sku)}
    new = store.place_order("late@example.com", [(first.sku, 1)], checkout=False)

    resync(db, daemon.adapter(SHOP), SHOP, ResyncTarget(order_ids=(new,)))
    assert db.order(SHOP, new) is not None
    plan = plan_for_shop(db, daemon.settings, SHOP, clock())
    after = {(e.line_id, e.allocated) for e in plan.queue if e.sku == first.sku}
    assert {line: units for line, units in after if line in dict(before)} == dict(before)
