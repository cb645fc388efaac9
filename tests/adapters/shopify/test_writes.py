"""Writing to the sandbox: only what differs, one result per item, never twice, even through faults."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from connector.model import (
    ChangeKind,
    InventoryPolicy,
    OrderAction,
    OrderActionKind,
    StorefrontChange,
    WriteStatus,
)
from connector.platform import Resource
from tests.adapters.shopify.conftest import Rig


def _variant(rig: Rig, **wanted: Any) -> tuple[str, dict[str, Any]]:
    for gid, variant in rig.store.state()["variants"].items():
        if all(variant[k] == v for k, v in wanted.items()):
            return gid, variant
    raise AssertionError(wanted)


def _changes(rig: Rig) -> list[StorefrontChange]:
    deny_id, deny = _variant(rig, policy="DENY", tracked=True)
    cont_id, cont = _variant(rig, policy="CONTINUE", tracked=True)
    return [
        StorefrontChange(
            "sandbox",
            ChangeKind.INVENTORY_POLICY,
            deny["product_id"],
            deny_id,
            policy=InventoryPolicy.CONTINUE,
        ),
        StorefrontChange(
            "sandbox",
            ChangeKind.INVENTORY_POLICY,
            cont["product_id"],
            cont_id,
            policy=InventoryPolicy.CONTINUE,
        ),
        StorefrontChange(
            "sandbox", ChangeKind.ADD_TAGS, deny["product_id"], tags=("backorder", "ships-2026-12")
        ),
        StorefrontChange(
            "sandbox",
            ChangeKind.ETA,
            cont["product_id"],
            cont_id,
            eta_label="Ships in December",
            eta_date=date(2026, 12, 10),
        ),
        StorefrontChange(
            "sandbox",
            ChangeKind.INVENTORY_POLICY,
            deny["product_id"],
            "gid://shopify/ProductVariant/424242",
            policy=InventoryPolicy.DENY,
        ),
    ]


def test_storefront_changes_apply_once_and_a_rerun_skips(rig: Rig) -> None:
    changes = _changes(rig)
    first = rig.adapter.apply_storefront(changes)
    assert [r.status for r in first] == [
        WriteStatus.DONE,
        WriteStatus.SKIPPED,
        WriteStatus.DONE,
        WriteStatus.DONE,
        WriteStatus.FAILED,
    ]
    assert [r.key for r in first] == [c.key for c in changes]
    state = rig.store.state()
    assert state["variants"][changes[0].variant_id]["policy"] == "CONTINUE"
    tags = state["products"][changes[2].product_id]["tags"]
    assert {"backorder", "ships-2026-12"} <= set(tags)
    assert state["variants"][changes[3].variant_id]["metafields"] == {
        "backorder_connector.eta_label": "Ships in December",
        "backorder_connector.eta_date": "2026-12-10",
    }
    again = rig.adapter.apply_storefront(changes[:4])
    assert [r.status for r in again] == [WriteStatus.SKIPPED] * 4
    assert rig.store.state()["products"][changes[2].product_id]["tags"] == tags


def test_tags_are_added_and_removed_without_touching_the_merchants(rig: Rig) -> None:
    _, variant = _variant(rig, tracked=True)
    product = variant["product_id"]
    merchant_tags = set(rig.store.state()["products"][product]["tags"])
    rig.adapter.apply_storefront(
        [StorefrontChange("sandbox", ChangeKind.ADD_TAGS, product, tags=("preorder",))]
    )
    result = rig.adapter.apply_storefront(
        [StorefrontChange("sandbox", ChangeKind.REMOVE_TAGS, product, tags=("preorder",))]
    )
    assert result[0].status is WriteStatus.DONE
    assert set(rig.store.state()["products"][product]["tags"]) == merchant_tags


def test_an_eta_cleared_deletes_our_label(rig: Rig) -> None:
    gid, variant = _variant(rig, tracked=True)
    set_it = StorefrontChange(
        "sandbox",
        ChangeKind.ETA,
        variant["product_id"],
        gid,
        eta_label="Soon",
        eta_date=date(2026, 12, 1),
    )
    clear = StorefrontChange("sandbox", ChangeKind.ETA, variant["product_id"], gid)
    assert rig.adapter.apply_storefront([set_it])[0].status is WriteStatus.DONE
    assert rig.adapter.apply_storefront([clear])[0].status is WriteStatus.DONE
    assert rig.store.state()["variants"][gid]["metafields"] == {}
    assert rig.adapter.apply_storefront([clear])[0].status is WriteStatus.SKIPPED


def _mixed_order(rig: Rig) -> tuple[str, str, str]:
    in_stock = max(
        (
            v
            for v in rig.store.state()["variants"].values()
            if v["policy"] == "DENY" and v["tracked"]
        ),
        key=lambda v: v["available"],
    )
    _, backordered = _variant(rig, policy="CONTINUE", tracked=True)
    order_id = rig.store.place_order(
        "mixed@example.com", [(in_stock["sku"], 1), (backordered["sku"], 2)]
    )
    lines = rig.store.state()["orders"][order_id]["lines"]
    late = next(k for k, v in lines.items() if v["sku"] == backordered["sku"])
    early = next(k for k, v in lines.items() if v["sku"] == in_stock["sku"])
    return order_id, late, early


def test_holding_the_backordered_lines_lets_the_rest_ship_and_release_frees_only_ours(
    rig: Rig,
) -> None:
    order_id, late, early = _mixed_order(rig)
    hold = OrderAction(
        "sandbox",
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=((late, 2),),
        hold_reason="INVENTORY_OUT_OF_STOCK",
    )
    assert [r.status for r in rig.adapter.apply_order_actions([hold])] == [WriteStatus.DONE]
    fos = rig.store.state()["orders"][order_id]["fulfillment_orders"].values()
    held = [f for f in fos if f["status"] == "ON_HOLD"]
    assert [list(f["lines"]) for f in held] == [[late]]
    assert held[0]["holds"][0]["handle"].startswith("bc-")
    assert any(f["status"] == "OPEN" and early in f["lines"] for f in fos)
    page = rig.adapter.fetch(
        __import__("connector.platform", fromlist=["ResyncTarget"]).ResyncTarget(
            order_ids=(order_id,)
        )
    )
    assert {line.platform_id: line.on_hold for line in page.orders[0].lines} == {
        late: True,
        early: False,
    }
    assert rig.adapter.apply_order_actions([hold])[0].status is WriteStatus.SKIPPED
    release = OrderAction("sandbox", OrderActionKind.RELEASE_HOLD, order_id, lines=((late, 2),))
    assert rig.adapter.apply_order_actions([release])[0].status is WriteStatus.DONE
    assert all(
        f["status"] == "OPEN"
        for f in rig.store.state()["orders"][order_id]["fulfillment_orders"].values()
    )
    assert rig.adapter.apply_order_actions([release])[0].status is WriteStatus.SKIPPED


def test_order_tags_notes_and_a_discount_code_are_written_once(rig: Rig) -> None:
    order_id, _, _ = _mixed_order(rig)
    actions = [
        OrderAction("sandbox", OrderActionKind.ADD_TAGS, order_id, tags=("backordered",)),
        OrderAction(
            "sandbox", OrderActionKind.ADD_NOTE, order_id, note="2 x Linen Sofa ship about 10 Dec."
        ),
        OrderAction(
            "sandbox",
            OrderActionKind.CREATE_DISCOUNT,
            order_id,
            discount_code="SORRY-1001",
            discount_percent=Decimal(10),
        ),
        OrderAction("sandbox", OrderActionKind.ADD_TAGS, "gid://shopify/Order/999999", tags=("x",)),
    ]
    first = rig.adapter.apply_order_actions(actions)
    assert [r.status for r in first] == [
        WriteStatus.DONE,
        WriteStatus.DONE,
        WriteStatus.DONE,
        WriteStatus.FAILED,
    ]
    again = rig.adapter.apply_order_actions(actions[:3])
    assert [r.status for r in again] == [WriteStatus.SKIPPED] * 3
    order = rig.store.state()["orders"][order_id]
    assert order["tags"] == ["backordered"]
    assert order["note"] == "2 x Linen Sofa ship about 10 Dec."
    code = rig.store.state()["discount_codes"]["SORRY-1001"]
    assert code["percentage"] == 0.1 and len(code["customers"]) == 1


def test_writes_through_ten_percent_faults_are_never_applied_twice(rig: Rig) -> None:
    rig.store.faults.slow_seconds = 2.0  # past the noisy adapter's 1 s timeout
    rig.store.faults.set_rate(
        0.1, kinds=("429", "500", "503", "reset", "truncate", "throttled", "slow"), seed=3
    )
    noisy = rig.adapter  # the same adapter a daemon keeps: it has learned the shop's costs
    noisy.client.policy = replace(noisy.client.policy, timeout=1.0)
    orders = [_mixed_order(rig) for _ in range(4)]
    actions = []
    for order_id, late, _ in orders:
        actions += [
            OrderAction(
                "sandbox",
                OrderActionKind.HOLD_LINES,
                order_id,
                lines=((late, 2),),
                hold_reason="UNKNOWN_DELIVERY_DATE",
            ),
            OrderAction(
                "sandbox",
                OrderActionKind.ADD_NOTE,
                order_id,
                note="Part of your order ships later.",
            ),
            OrderAction(
                "sandbox",
                OrderActionKind.CREATE_DISCOUNT,
                order_id,
                discount_code=f"WAIT-{order_id[-4:]}",
            ),
        ]
    changes = _changes(rig)[:4]
    for _ in range(3):  # a scheduler reruns what failed; a rerun must converge, not repeat
        store_results = noisy.apply_storefront(changes)
        order_results = noisy.apply_order_actions(actions)
        if all(r.status is not WriteStatus.FAILED for r in store_results + order_results):
            break
    assert all(r.status is not WriteStatus.FAILED for r in store_results + order_results)
    state = rig.store.state()
    for order_id, _, _ in orders:
        order = state["orders"][order_id]
        assert order["note"] == "Part of your order ships later."
        holds = [h for f in order["fulfillment_orders"].values() for h in f["holds"]]
        assert len(holds) == 1
    assert len(state["discount_codes"]) == 4
    assert sorted(state["products"][changes[2].product_id]["tags"]).count("backorder") == 1
    assert any(e.fault for e in rig.store.log.entries())
    catalog = list(noisy.read_changes(Resource.PRODUCTS, None))
    assert catalog
