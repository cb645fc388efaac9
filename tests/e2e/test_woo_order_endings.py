"""What the shop shows and what we tell when a waiting WooCommerce order ends (issue 13, section 5).

Seen on a real WooCommerce 7.9 store driven by the connector: an order cancelled in the admin kept
our hold (``_bc_hold``; ``connector order 39`` said "on hold: yes"). A cancelled, refunded or
completed order must lose every hold and tag the connector set, in the shop and in the database.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.model import PurchaseOrder
from connector.sandbox.seed import demo_spec
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    from connector.demo import backordered_skus

    with woo_daemon(tmp_path) as (daemon, db, store, clock):
        sku = backordered_skus(demo_spec())[0]
        db.add_purchase_order(
            PurchaseOrder("PO-1", SHOP, sku, 10, clock().date() + timedelta(days=9))
        )
        yield daemon, db, store, clock


def shop_meta(store: Any, order_id: str) -> dict[str, Any]:
    """Our keys in the order's meta, as the shop shows them (empty values left out)."""
    with store.lock:
        order = store.orders.get(int(order_id))
        entries = list(order.meta or ())
    shown: dict[str, Any] = {}
    for entry in entries:
        key, value = entry[1], entry[2]
        if key.startswith("_bc_"):
            with contextlib.suppress(ValueError):
                value = json.loads(value) if isinstance(value, str) and value else value
            if value:
                shown[key] = value
            else:
                shown.pop(key, None)
    return shown


@pytest.mark.parametrize("ending", ["cancelled", "refunded", "completed"])
def test_an_order_that_ends_loses_our_hold_and_tags_in_the_shop(woo: WooRig, ending: str) -> None:
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


def mails_to(folder: Path, address: str) -> list[str]:
    """The plain-text bodies of the mails sent to ``address``, oldest first."""
    from email import message_from_bytes, policy

    bodies = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(message["To"]):
            part = message.get_body(preferencelist=("plain",))
            bodies.append(part.get_content() if part is not None else "")
    return bodies


def cancel_waiting_order(woo: WooRig, refund_total: str | None) -> str:
    """A waiting order of 2 units, cancelled in the admin (with a refund recorded, or none)."""
    from connector.demo import backordered_skus
    from connector.sandbox.woocommerce.refunds import create_refund

    daemon, _db, store, clock = woo
    sku = backordered_skus(demo_spec())[0]
    order_id = store.place_order("mia@example.com", [(sku, 2)], locale="en")
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    if refund_total is not None:
        with store.lock:
            order = store.orders.get(int(order_id))
            line = order.lines[0]
            create_refund(
                store.orders,
                order,
                {
                    "amount": refund_total,
                    "line_items": [{"id": line.id, "quantity": 2, "refund_total": refund_total}],
                },
            )
    store.cancel_order(order_id)
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    return order_id


def test_a_cancelled_order_with_no_refund_recorded_never_says_money_was_refunded(
    woo: WooRig, tmp_path: Path
) -> None:
    # Seen on a real store: "Refund: €1,798.00, to your original payment method" for an order
    # cancelled in the admin with no refund made.
    cancel_waiting_order(woo, refund_total=None)
    last = mails_to(tmp_path / "outbox", "mia@example.com")[-1]
    assert "cancelled" in last
    assert "Refund:" not in last and "Refunded" not in last
    assert "refunds the payment to your original payment method and confirms it" in last


def test_a_cancelled_order_says_the_refund_the_shop_recorded(woo: WooRig, tmp_path: Path) -> None:
    cancel_waiting_order(woo, refund_total="12.50")  # a partial refund, recorded in the admin
    last = mails_to(tmp_path / "outbox", "mia@example.com")[-1]
    assert "Refunded: €12.50" in last


def test_a_pre_order_confirmation_shows_the_release_date_and_the_ship_date_apart(
    woo: WooRig, tmp_path: Path
) -> None:
    # Seen on a real store: release 2027-02-15, the mail said "Release date: February 16" (the
    # ship date). They are two facts; a pre-order confirmation shows both.
    from datetime import date

    daemon, _db, store, clock = woo
    release = date(2027, 2, 15)
    with store.lock:
        store.catalog.create(
            {"name": "Arc Lamp", "sku": "LAMP-ARC-NEW", "regular_price": "120"}
            | {"manage_stock": True, "stock_quantity": 0, "backorders": "notify"}
            | {"tags": [{"name": "new"}]}
            | {"meta_data": [{"key": "_release_date", "value": release.isoformat()}]}
        )
    store.place_order("pia@example.com", [("LAMP-ARC-NEW", 1)], locale="en")
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    [mail] = mails_to(tmp_path / "outbox", "pia@example.com")
    shown = {
        text.split(":", 1)[0]: text.split(":", 1)[1].strip()
        for text in mail.splitlines()
        if text.startswith(("Release date:", "Ships by:"))
    }
    assert shown["Release date"] == "February 15, 2027"
    assert shown["Ships by"] != shown["Release date"]
