"""Stock status set by hand, with no stock count (issue 13, section 1 and section 4's last case).

Seen on a real WooCommerce 7.9 store: an owner sets "On backorder" (or "Out of stock") by hand with
stock management off. The product keeps selling with no quantity and WooCommerce calls every sale
``backordered``: every unit sold waits, until the owner records supply or flips the status. The
connector must queue those units, and must never switch the owner's product to managed stock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.model import PurchaseOrder
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    with woo_daemon(tmp_path) as rig:
        yield rig


def product(store: Any, **fields: Any) -> int:
    base = {"name": "Oak Bench", "regular_price": "240", "manage_stock": False}
    with store.lock:
        item = store.catalog.create(base | fields)
        return int(item.id)


def shown(store: Any, product_id: int) -> dict[str, Any]:
    """What the shop shows for the product: stock fields, tags and our ETA label."""
    with store.lock:
        item = store.catalog.items[product_id]
        meta = {row[1]: row[2] for row in item.meta or ()}
        tags = sorted(store.catalog.tags[tag_id][0] for tag_id in item.tags or ())
        return {
            "manage_stock": item.manage_stock,
            "stock_status": item.stock_status,
            "label": meta.get("_bc_eta_label") or None,
            "tags": tags,
        }


def hold_of(store: Any, order_id: str) -> dict[str, Any]:
    with store.lock:
        order = store.orders.get(int(order_id))
        values = [row[2] for row in order.meta or () if row[1] == "_bc_hold"]
    value = values[-1] if values else ""
    loaded = json.loads(value) if isinstance(value, str) and value else value
    return loaded if isinstance(loaded, dict) else {}


def test_every_unit_sold_of_an_unmanaged_backorder_product_waits_until_the_status_flips(
    woo: WooRig,
) -> None:
    daemon, db, store, clock = woo
    bench = product(store, sku="BENCH-OAK", stock_status="onbackorder")
    db.add_purchase_order(
        PurchaseOrder("PO-B", SHOP, "BENCH-OAK", 10, clock().date() + timedelta(days=20))
    )
    order_id = store.place_order("ines@example.com", [("BENCH-OAK", 3)], locale="en")
    clock.advance(timedelta(minutes=5))
    daemon.run_once()

    waiting = [e for e in db.queue(SHOP) if e.sku == "BENCH-OAK"]
    assert [(e.order_id, e.waiting) for e in waiting] == [(order_id, 3)]
    assert waiting[0].eta is not None
    assert hold_of(store, order_id), "the waiting units are held in the shop"
    # The owner's choice stands: still unmanaged, still "On backorder".
    assert shown(store, bench)["manage_stock"] is False
    assert shown(store, bench)["stock_status"] == "onbackorder"

    # The owner flips the status to "In stock": the units can ship.
    with store.lock:
        store.catalog.apply(store.catalog.items[bench], {"stock_status": "instock"})
        store.catalog.validate(store.catalog.items[bench])
        store.catalog.touch(store.catalog.items[bench])
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    assert not [e for e in db.queue(SHOP) if e.sku == "BENCH-OAK" and e.waiting]
    assert not hold_of(store, order_id)
    clock.advance(timedelta(minutes=5))
    quiet = daemon.run_once()[SHOP]
    assert quiet is not None and quiet.plan is not None
    assert not quiet.plan.storefront and not quiet.plan.order_actions


def test_an_unmanaged_out_of_stock_product_is_not_labelled_as_a_pre_order(
    woo: WooRig,
) -> None:
    # Seen: the "preorder" tag and "Pre-order: ships by ..." on a product nobody could order.
    daemon, db, store, clock = woo
    release = (clock().date() + timedelta(days=30)).isoformat()
    lamp = product(
        store,
        sku="LAMP-NEW",
        stock_status="outofstock",
        tags=[{"name": "new"}],
        meta_data=[{"key": "_release_date", "value": release}],
    )
    db.add_purchase_order(
        PurchaseOrder("PO-L", SHOP, "LAMP-NEW", 10, clock().date() + timedelta(days=25))
    )
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    now = shown(store, lamp)
    assert now["label"] is None
    assert "preorder" not in now["tags"]
    assert now["manage_stock"] is False and now["stock_status"] == "outofstock"


def test_variations_selling_the_parents_stock_queue_only_what_the_parent_is_short(
    woo: WooRig,
) -> None:
    # Seen on a real store: each variation reports the parent's count; one real case queued 4
    # units where the store was 3 short.
    daemon, db, store, clock = woo
    with store.lock:
        parent = store.catalog.create(
            {"name": "Linen Tee", "type": "variable", "regular_price": "30"}
            | {"manage_stock": True, "stock_quantity": 3, "backorders": "notify"}
        )
        for size in ("S", "M"):
            child = store.catalog.create(
                {"sku": f"TEE-LIN-{size}", "regular_price": "30"}, parent=parent
            )
            assert child.manage_stock is False
    for number, size in enumerate(("S", "M")):
        db.add_purchase_order(
            PurchaseOrder(
                f"PO-T{number}", SHOP, f"TEE-LIN-{size}", 10, clock().date() + timedelta(days=12)
            )
        )
    clock.advance(timedelta(minutes=1))
    small = store.place_order("sam@example.com", [("TEE-LIN-S", 2)], locale="en")
    clock.advance(timedelta(minutes=1))
    medium = store.place_order("max@example.com", [("TEE-LIN-M", 4)], locale="en")
    clock.advance(timedelta(minutes=5))
    daemon.run_once()

    waiting = {
        (e.order_id, e.waiting) for e in db.queue(SHOP) if e.sku.startswith("TEE-LIN") and e.waiting
    }
    assert waiting == {(medium, 3)}  # the parent had 3; 6 sold; the older order ships
    assert not hold_of(store, small) and hold_of(store, medium)
    clock.advance(timedelta(minutes=5))
    quiet = daemon.run_once()[SHOP]
    assert quiet is not None and quiet.plan is not None
    assert not quiet.plan.order_actions
