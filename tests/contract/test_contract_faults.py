"""Faults, for every adapter: reads and writes under injected failures end where a clean run ends.

The store is reset between the clean and the faulted run (it re-seeds deterministically), so the
two final states can be compared whole. Written against the Harness protocol only.
"""

from __future__ import annotations

from typing import Any

import pytest

from connector.model import (
    ChangeKind,
    InventoryPolicy,
    OrderAction,
    OrderActionKind,
    StorefrontChange,
    WriteResult,
    WriteStatus,
)
from connector.platform import Resource
from tests.contract.harness import Harness, catalog, hold, open_orders

FAULTS = ("429", "500", "503", "reset", "truncate")


def full_read(harness: Harness) -> tuple[set[tuple[str, str]], set[str]]:
    variants: set[tuple[str, str]] = set()
    for page in harness.adapter.read_changes(Resource.PRODUCTS, None):
        variants |= {(v.platform_id, v.inventory_policy.value) for v in page.variants}
    orders: set[str] = set()
    for page in harness.adapter.read_changes(Resource.ORDERS, None):
        orders |= {o.platform_id for o in page.orders}
    return variants, orders


def plan(harness: Harness) -> tuple[list[StorefrontChange], list[OrderAction]]:
    shop = harness.settings.name
    _, variants = catalog(harness)
    orders = open_orders(harness)
    changes: list[StorefrontChange] = []
    for variant in variants[:40]:
        policy = (
            InventoryPolicy.DENY
            if variant.inventory_policy is InventoryPolicy.CONTINUE
            else InventoryPolicy.CONTINUE
        )
        changes.append(
            StorefrontChange(
                shop,
                ChangeKind.INVENTORY_POLICY,
                variant.product_id,
                variant.platform_id,
                policy=policy,
            )
        )
        changes.append(
            StorefrontChange(
                shop,
                ChangeKind.ETA,
                variant.product_id,
                variant.platform_id,
                eta_label=f"Ships week {int(variant.platform_id) % 50 if variant.platform_id.isdigit() else 7}",
            )
        )
    actions: list[OrderAction] = []
    for order in orders[:8]:
        line = order.lines[0]
        actions.append(hold(shop, order, line, handle="bc-1"))
        actions.append(
            OrderAction(shop, OrderActionKind.ADD_NOTE, order.platform_id, note="Backorder noted.")
        )
    return changes, actions


def run_until_settled(harness: Harness, changes: Any, actions: Any) -> list[WriteResult]:
    """Apply, then re-apply what failed retryably (as the daemon's next cycle would)."""
    results: list[WriteResult] = []
    for _ in range(5):
        results = harness.adapter.apply_storefront(changes) + harness.adapter.apply_order_actions(
            actions
        )
        if not any(r.status is WriteStatus.FAILED for r in results):
            break
    return results


def test_faults_at_ten_percent_end_in_the_fault_free_state(harness: Harness) -> None:
    changes, actions = plan(harness)
    clean = run_until_settled(harness, changes, actions)
    assert all(r.status is WriteStatus.DONE for r in clean), clean
    expected_state = harness.store.state()
    expected_read = full_read(harness)

    harness.store.reset()
    harness.store.faults.set_rate(0.10, FAULTS, seed=11)
    faulted = run_until_settled(harness, changes, actions)
    assert not any(r.status is WriteStatus.FAILED for r in faulted), faulted
    faulted_read = full_read(harness)
    harness.store.faults.clear()

    assert harness.store.state() == expected_state  # nothing lost, no note or write twice
    assert faulted_read == expected_read
    rerun = run_until_settled(harness, changes, actions)
    assert all(r.status is WriteStatus.SKIPPED for r in rerun)


@pytest.mark.parametrize("kind", FAULTS)
def test_a_single_fault_of_each_kind_is_survived(harness: Harness, kind: str) -> None:
    expected = full_read(harness)
    harness.store.faults.inject(kind, count=2)
    assert full_read(harness) == expected


def test_a_write_that_keeps_failing_is_reported_retryable_then_done(harness: Harness) -> None:
    changes, _ = plan(harness)
    change = changes[1]
    harness.store.faults.inject("503", count=1000)
    [result] = harness.adapter.apply_storefront([change])
    assert result.status is WriteStatus.FAILED and result.retryable
    harness.store.faults.clear()
    [again] = harness.adapter.apply_storefront([change])
    assert again.status is WriteStatus.DONE
