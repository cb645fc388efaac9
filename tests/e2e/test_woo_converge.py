"""A plan that converges after a process died between its writes and their re-read (issue 13, §4).

Seen: after a failed first sync, and after SIGKILLs mid-cycle, every later quiet cycle planned
holds and tags on thousands of orders, all answered "skipped" (the shop already showed them).
The writes of the dead process were never re-read, and WooCommerce order meta does not move
``date_modified``, so polling never brought them back: the database kept planning them. A write
answered "skipped" says the database is behind the shop; the cycle re-reads it like a done one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.cycle import run_cycle
from connector.model import PurchaseOrder, WriteStatus
from connector.sandbox.seed import demo_spec
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    from connector.demo import backordered_skus

    with woo_daemon(tmp_path) as (daemon, db, store, clock):
        for number, sku in enumerate(backordered_skus(demo_spec())[:3]):
            db.add_purchase_order(
                PurchaseOrder(f"PO-{number}", SHOP, sku, 20, clock().date() + timedelta(days=9))
            )
        yield daemon, db, store, clock


def test_writes_of_a_process_that_died_before_their_re_read_converge_to_an_empty_plan(
    woo: WooRig,
) -> None:
    from connector.demo import backordered_skus

    daemon, _db, store, clock = woo
    for number, sku in enumerate(backordered_skus(demo_spec())[:3]):
        store.place_order(f"buyer{number}@example.com", [(sku, 2)], locale="en")
    clock.advance(timedelta(minutes=5))

    # A process syncs, plans and writes, then dies before it re-reads or saves anything else.
    deps = daemon.deps(SHOP)
    plan = run_cycle(deps, apply=False).plan
    assert plan is not None and plan.order_actions
    written = [
        *deps.adapter.apply_storefront(plan.storefront),
        *deps.adapter.apply_order_actions(plan.order_actions),
    ]
    assert {r.status for r in written} == {WriteStatus.DONE}

    sizes = []
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        report = daemon.run_once()[SHOP]
        assert report is not None and report.plan is not None and report.ok
        sizes.append((len(report.plan.storefront), len(report.plan.order_actions)))
    assert sizes[0][1] > 0 and sizes[1:] == [(0, 0), (0, 0)], sizes


@pytest.mark.parametrize("steps", range(6))
def test_a_cycle_stopped_at_any_step_of_its_apply_converges_and_mails_once(
    woo: WooRig, tmp_path: Path, steps: int
) -> None:
    # The apply checks it still holds the shop before each step (writes, order actions, emails,
    # queue, history, re-read): answering "no" at step ``steps`` stops the cycle there, as a
    # process killed at that point would.
    from email import message_from_bytes

    from connector.demo import backordered_skus

    daemon, _db, store, clock = woo
    for number, sku in enumerate(backordered_skus(demo_spec())[:3]):
        store.place_order(f"buyer{number}@example.com", [(sku, 2)], locale="en")
    clock.advance(timedelta(minutes=5))
    answers = iter([True] * steps + [False] * 10)
    run_cycle(daemon.deps(SHOP), still_held=lambda: next(answers))

    sizes = []
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        report = daemon.run_once()[SHOP]
        assert report is not None and report.plan is not None and report.ok
        sizes.append((len(report.plan.storefront), len(report.plan.order_actions)))
    assert sizes[1:] == [(0, 0), (0, 0)], sizes
    mails = [message_from_bytes(path.read_bytes()) for path in (tmp_path / "outbox").glob("*.eml")]
    confirmations = [str(m["To"]) for m in mails if "buyer" in str(m["To"])]
    assert sorted(confirmations) == sorted(set(confirmations)), "each buyer mailed once"
    assert len(confirmations) == 3
