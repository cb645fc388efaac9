"""Writes, for every adapter: only what differs, one result per item, reruns skip, batches hold.

Written against the Harness protocol and the ``connector.platform`` interface only; harness extras
(``batch_limit``, ``write_requests()``) are used where a harness offers them.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from connector.model import (
    ChangeKind,
    InventoryPolicy,
    OrderAction,
    OrderActionKind,
    StorefrontChange,
    Variant,
    WriteStatus,
)
from connector.platform import ResyncTarget
from tests.contract.harness import Harness, catalog, hold, open_orders


def variant_after(harness: Harness, variant: Variant) -> Variant:
    page = harness.adapter.fetch(ResyncTarget(product_ids=(variant.product_id,)))
    return next(v for v in page.variants if v.platform_id == variant.platform_id)


def writes(harness: Harness) -> Counter[str]:
    counter = getattr(harness, "write_requests", None)
    if counter is None:
        pytest.skip("this harness does not count write requests")
    result: Counter[str] = counter()
    return result


def test_policy_change_is_applied_read_back_and_skipped_on_rerun(harness: Harness) -> None:
    _, variants = catalog(harness)
    variant = next(v for v in variants if v.tracked and v.inventory_policy is InventoryPolicy.DENY)
    change = StorefrontChange(
        harness.settings.name,
        ChangeKind.INVENTORY_POLICY,
        variant.product_id,
        variant.platform_id,
        sku=variant.sku,
        policy=InventoryPolicy.CONTINUE,
    )
    [first] = harness.adapter.apply_storefront([change])
    assert first.status is WriteStatus.DONE, first.message
    assert variant_after(harness, variant).inventory_policy is InventoryPolicy.CONTINUE

    before = harness.store.state()
    [again] = harness.adapter.apply_storefront([change])
    assert again.status is WriteStatus.SKIPPED
    assert harness.store.state() == before

    stop = StorefrontChange(
        harness.settings.name,
        ChangeKind.INVENTORY_POLICY,
        variant.product_id,
        variant.platform_id,
        sku=variant.sku,
        policy=InventoryPolicy.DENY,
    )
    assert harness.adapter.apply_storefront([stop])[0].status is WriteStatus.DONE
    assert variant_after(harness, variant).inventory_policy is InventoryPolicy.DENY


def test_eta_and_tags_show_on_the_storefront_and_rerun_changes_nothing(harness: Harness) -> None:
    products, variants = catalog(harness)
    variant = variants[0]
    changes = [
        StorefrontChange(
            harness.settings.name,
            ChangeKind.ETA,
            variant.product_id,
            variant.platform_id,
            eta_label="Ships in 3 weeks",
        ),
        StorefrontChange(
            harness.settings.name, ChangeKind.ADD_TAGS, variant.product_id, tags=("backorder",)
        ),
    ]
    results = harness.adapter.apply_storefront(changes)
    assert [r.key for r in results] == [c.key for c in changes]
    assert all(r.status is WriteStatus.DONE for r in results), results
    after = variant_after(harness, variant)
    assert after.eta_label == "Ships in 3 weeks"
    product = harness.adapter.fetch(ResyncTarget(product_ids=(variant.product_id,))).products[0]
    old = next(p for p in products if p.platform_id == variant.product_id)
    assert product.tags == old.tags | {"backorder"}  # the merchant's own tags are kept

    before = harness.store.state()
    assert all(r.status is WriteStatus.SKIPPED for r in harness.adapter.apply_storefront(changes))
    assert harness.store.state() == before

    clear = StorefrontChange(
        harness.settings.name, ChangeKind.ETA, variant.product_id, variant.platform_id
    )
    remove = StorefrontChange(
        harness.settings.name, ChangeKind.REMOVE_TAGS, variant.product_id, tags=("backorder",)
    )
    assert all(
        r.status is WriteStatus.DONE for r in harness.adapter.apply_storefront([clear, remove])
    )
    assert variant_after(harness, variant).eta_label is None
    product = harness.adapter.fetch(ResyncTarget(product_ids=(variant.product_id,))).products[0]
    assert product.tags == old.tags


def test_a_batch_with_failing_items_reports_each_and_a_rerun_finishes_it(
    harness: Harness,
) -> None:
    products, _ = catalog(harness)
    changes = [
        StorefrontChange(
            harness.settings.name, ChangeKind.ADD_TAGS, product.platform_id, tags=("watch",)
        )
        for product in products[:9]
    ]
    harness.store.faults.inject("batch_partial")
    results = harness.adapter.apply_storefront(changes)
    assert [r.key for r in results] == [c.key for c in changes]
    failed = [r for r in results if r.status is WriteStatus.FAILED]
    done = [r for r in results if r.status is WriteStatus.DONE]
    assert failed and done, results
    assert all(r.message for r in failed)

    rerun = harness.adapter.apply_storefront(changes)
    by_key = {r.key: r.status for r in rerun}
    assert all(by_key[r.key] is WriteStatus.DONE for r in failed)
    assert all(by_key[r.key] is WriteStatus.SKIPPED for r in done)


def test_a_250_change_plan_goes_out_in_few_batch_requests(harness: Harness) -> None:
    limit: Any = getattr(harness, "batch_limit", None)
    if limit is None:
        pytest.skip("this harness has no batch limit to check")
    products, _ = catalog(harness)
    if len(products) < 250:
        pytest.skip("the harness store has fewer than 250 products")
    changes = [
        StorefrontChange(harness.settings.name, ChangeKind.ADD_TAGS, p.platform_id, tags=("sale",))
        for p in products[:250]
    ]
    before = writes(harness)
    results = harness.adapter.apply_storefront(changes)
    assert all(r.status is WriteStatus.DONE for r in results)
    sent = writes(harness) - before
    assert sent and max(sent.values()) == math.ceil(250 / limit), sent
    again = writes(harness)
    assert all(r.status is WriteStatus.SKIPPED for r in harness.adapter.apply_storefront(changes))
    assert writes(harness) == again  # nothing sent twice


def test_order_holds_notes_and_tags_read_back_and_rerun_skips(harness: Harness) -> None:
    order = open_orders(harness)[0]
    line = order.lines[0]
    shop = harness.settings.name
    actions = [
        hold(shop, order, line, handle="bc-hold-1"),
        OrderAction(shop, OrderActionKind.ADD_TAGS, order.platform_id, tags=("backordered",)),
        OrderAction(shop, OrderActionKind.ADD_NOTE, order.platform_id, note="Waiting for stock."),
    ]
    results = harness.adapter.apply_order_actions(actions)
    assert [r.key for r in results] == [a.key for a in actions]
    assert all(r.status is WriteStatus.DONE for r in results), results
    [after] = harness.adapter.fetch(ResyncTarget(order_ids=(order.platform_id,))).orders
    held = {ln.platform_id: ln.on_hold for ln in after.lines}
    assert held[line.platform_id] is True
    assert "backordered" in after.tags

    before = harness.store.state()
    rerun = harness.adapter.apply_order_actions(actions)
    assert all(r.status is WriteStatus.SKIPPED for r in rerun), rerun
    assert harness.store.state() == before

    release = OrderAction(shop, OrderActionKind.RELEASE_HOLD, order.platform_id, handle="bc-hold-1")
    assert harness.adapter.apply_order_actions([release])[0].status is WriteStatus.DONE
    [released] = harness.adapter.fetch(ResyncTarget(order_ids=(order.platform_id,))).orders
    assert not any(ln.on_hold for ln in released.lines)


def test_release_and_hold_again_leaves_exactly_the_new_hold(harness: Harness) -> None:
    """The engine re-holds an order whose waiting lines changed: release the old, hold the rest."""
    order = next(o for o in open_orders(harness) if len(o.lines) >= 2)
    first, second = order.lines[0], order.lines[1]
    shop = harness.settings.name

    def fetched() -> dict[str, bool]:
        [after] = harness.adapter.fetch(ResyncTarget(order_ids=(order.platform_id,))).orders
        return {ln.platform_id: ln.on_hold for ln in after.lines}

    both = hold(shop, order, first, second, handle="bc-both")
    assert harness.adapter.apply_order_actions([both])[0].status is WriteStatus.DONE
    held = fetched()
    assert held[first.platform_id] and held[second.platform_id]

    # The first line's stock arrived: one plan releases the old hold and holds the second only.
    regroup = [
        OrderAction(shop, OrderActionKind.RELEASE_HOLD, order.platform_id, handle="bc-both"),
        hold(shop, order, second, handle="bc-second"),
    ]
    results = harness.adapter.apply_order_actions(regroup)
    assert [r.key for r in results] == [a.key for a in regroup]
    assert all(r.status is WriteStatus.DONE for r in results), results
    held = fetched()
    assert held[second.platform_id] is True
    assert {line for line, on_hold in held.items() if on_hold} == {second.platform_id}

    before = harness.store.state()
    rerun = harness.adapter.apply_order_actions(regroup)
    assert all(r.status is WriteStatus.SKIPPED for r in rerun), rerun
    assert harness.store.state() == before
    assert fetched() == held


def test_bad_items_fail_alone(harness: Harness) -> None:
    _, variants = catalog(harness)
    variant = variants[0]
    shop = harness.settings.name
    changes = [
        StorefrontChange(shop, ChangeKind.ADD_TAGS, "999999999", tags=("x",)),
        StorefrontChange(
            shop, ChangeKind.ETA, variant.product_id, variant.platform_id, eta_label="Soon"
        ),
    ]
    results = harness.adapter.apply_storefront(changes)
    assert results[0].status is WriteStatus.FAILED
    assert results[1].status is WriteStatus.DONE
