"""Holds on WooCommerce live in order meta: a release-and-hold plan leaves exactly the new hold, and
a hold meta stored as a JSON object is released for real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.model import OrderAction, OrderActionKind, WriteStatus
from connector.platform import ResyncTarget
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SHOP = "woo"


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(clock=clock) as running:
        with running.lock:
            for sku in ("LAMP", "SOFA", "RUG"):
                running.catalog.create(
                    {"name": sku, "sku": sku, "regular_price": "10", "manage_stock": True}
                    | {"stock_quantity": 0, "backorders": "notify"}
                )
        yield running


@pytest.fixture
def adapter(store: WooCommerceSandbox) -> Iterator[WooCommerceAdapter]:
    made = WooCommerceAdapter(settings_for(store, SHOP), clock=store.clock, sleep=lambda _s: None)
    yield made
    made.close()


def order_row(store: WooCommerceSandbox, order_id: str) -> dict[str, Any]:
    found = [o for o in store.state()["orders"] if str(o["id"]) == order_id]
    return dict(found[0])


def hold_meta(store: WooCommerceSandbox, order_id: str) -> Any:
    values = [m["value"] for m in order_row(store, order_id)["meta_data"] if m["key"] == "_bc_hold"]
    return json.loads(values[0]) if values else None


def hold(order_id: str, handle: str, lines: dict[str, int]) -> OrderAction:
    return OrderAction(
        SHOP,
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=tuple(lines.items()),
        hold_reason="INVENTORY_OUT_OF_STOCK",
        handle=handle,
    )


def test_release_then_hold_in_one_call_writes_the_meta_once_and_describes_the_new_hold(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    order_id = store.place_order("ann@example.com", [("LAMP", 1), ("SOFA", 2), ("RUG", 3)])
    ids = [str(line["id"]) for line in order_row(store, order_id)["line_items"]]
    lamp, sofa, rug = ids
    first = hold(order_id, "bc-a", {lamp: 1, sofa: 2, rug: 3})
    assert adapter.apply_order_actions([first])[0].status is WriteStatus.DONE

    store.log.clear()
    regroup = [
        OrderAction(SHOP, OrderActionKind.RELEASE_HOLD, order_id, handle="bc-a"),
        hold(order_id, "bc-b", {sofa: 2, rug: 3}),
    ]
    results = adapter.apply_order_actions(regroup)
    assert [r.status for r in results] == [WriteStatus.DONE, WriteStatus.DONE]
    assert hold_meta(store, order_id) == {
        "bc-b": {"lines": {sofa: 2, rug: 3}, "reason": "INVENTORY_OUT_OF_STOCK"}
    }
    writes = [e.operation for e in store.log.entries() if e.method == "POST"]
    assert writes.count("POST orders_batch") == 1  # one meta write for the pair, not two
    notes = [n["note"] for n in store.state()["notes"][order_id]]
    assert notes == [
        "No longer waiting for stock, ready to ship: 1 × LAMP. Still waiting: 3 × RUG, 2 × SOFA."
    ]
    assert status_field(store, order_id) == (
        "Held back until stock arrives: 3 × RUG, 2 × SOFA. The rest of the order can ship."
    )

    [order] = adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert {ln.platform_id for ln in order.lines if ln.on_hold} == {sofa, rug}

    store.log.clear()
    rerun = adapter.apply_order_actions(regroup)
    assert [r.status for r in rerun] == [WriteStatus.SKIPPED, WriteStatus.SKIPPED]
    assert [e for e in store.log.entries() if e.method == "POST"] == []
    assert len(store.state()["notes"][order_id]) == len(notes)


def test_a_hold_stored_as_an_object_is_really_released(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    """A hold meta WooCommerce answers as a JSON object (another tool, or an older write, stored it
    as an array) is released for real, not reported done while the hold stays."""
    order_id = store.place_order("ann@example.com", [("LAMP", 1)])
    line = str(adapter.client.get(f"orders/{order_id}").body["line_items"][0]["id"])
    held: dict[str, Any] = {"bc-a": {"lines": {line: 1}, "reason": "INVENTORY_OUT_OF_STOCK"}}
    adapter.client.put(f"orders/{order_id}", {"meta_data": [{"key": "_bc_hold", "value": held}]})
    [order] = adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert [ln.on_hold for ln in order.lines] == [True]

    release = OrderAction(SHOP, OrderActionKind.RELEASE_HOLD, order_id, handle="bc-a")
    assert adapter.apply_order_actions([release])[0].status is WriteStatus.DONE
    [order] = adapter.fetch(ResyncTarget(order_ids=(order_id,))).orders
    assert [ln.on_hold for ln in order.lines] == [False]


def status_field(store: WooCommerceSandbox, order_id: str) -> Any:
    """The "Backorder hold" custom field the owner sees on the order page, None when absent."""
    values = [
        m["value"] for m in order_row(store, order_id)["meta_data"] if m["key"] == "Backorder hold"
    ]
    return values[-1] if values else None


def staff_notes(store: WooCommerceSandbox, order_id: str) -> list[str]:
    return [n["note"] for n in store.state()["notes"].get(order_id, []) if not n["customer_note"]]


def test_the_hold_reads_as_a_person_would_write_it_and_notes_only_ask_for_shipping(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter
) -> None:
    # Seen on a real store: the release note read "Backorder hold backorder released".
    order_id = store.place_order("ann@example.com", [("LAMP", 1), ("SOFA", 2)])
    lamp, sofa = (str(line["id"]) for line in order_row(store, order_id)["line_items"])
    release = OrderAction(SHOP, OrderActionKind.RELEASE_HOLD, order_id)

    adapter.apply_order_actions([hold(order_id, "bc-a", {sofa: 2})])
    assert status_field(store, order_id) == (
        "Held back until stock arrives: 2 × SOFA. The rest of the order can ship."
    )
    assert staff_notes(store, order_id) == []  # a new hold asks nothing of anyone

    adapter.apply_order_actions([release])
    assert status_field(store, order_id) is None
    assert staff_notes(store, order_id) == ["No longer waiting for stock, ready to ship: 2 × SOFA."]

    no_date = OrderAction(
        SHOP,
        OrderActionKind.HOLD_LINES,
        order_id,
        lines=((sofa, 2), (lamp, 1)),
        hold_reason="UNKNOWN_DELIVERY_DATE",
        handle="bc-b",
    )
    adapter.apply_order_actions([no_date])
    assert status_field(store, order_id) == (
        "Held back waiting for stock with no delivery date yet: 1 × LAMP, 2 × SOFA."
    )
    store.cancel_order(order_id)
    adapter.apply_order_actions([release])
    assert status_field(store, order_id) is None
    # Nobody ships a cancelled order: its release leaves no note.
    assert staff_notes(store, order_id) == ["No longer waiting for stock, ready to ship: 2 × SOFA."]
