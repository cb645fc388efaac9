"""A WooCommerce shop running the official Pre-Orders extension (issue 15, WooCommerce part).

A pre-order "charged upon release" is not paid while it waits; at release the extension moves it to
``pending`` with its stock kept and asks the customer to pay. The connector must keep it as a
waiting pre-order (no cancellation mail, still in the queue), never mark it paid and never move
its status: the shop, not the connector, takes the money.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for
from tests.e2e.test_woo_order_endings import mails_to
from tests.e2e.woo_rig import SHOP, WooRig, woo_daemon

SKU = "GAME-NEW"


@pytest.fixture
def woo(tmp_path: Path) -> Iterator[WooRig]:
    with woo_daemon(tmp_path) as rig:
        yield rig


def new_preorder_product(store: Any, release: date) -> None:
    """A product the owner sells as a pre-order (the demo's policy matches the tag "new")."""
    with store.lock:
        store.catalog.create(
            {"name": "Board Game", "sku": SKU, "regular_price": "60"}
            | {"manage_stock": True, "stock_quantity": 0, "backorders": "notify"}
            | {"tags": [{"name": "new"}]}
            | {"meta_data": [{"key": "_release_date", "value": release.isoformat()}]}
        )


def shop_order(store: Any, order_id: str) -> dict[str, Any]:
    from connector.sandbox.woocommerce.payloads import order_json

    with store.lock:
        return order_json(store.catalog, store.orders.get(int(order_id)), store.base_url)


def waiting_orders(db: Any) -> set[str]:
    return {entry.order_id for entry in db.queue(SHOP, SKU)}


def test_a_pre_order_charged_upon_release_waits_unpaid_and_is_never_moved_or_mailed_as_gone(
    woo: WooRig, tmp_path: Path
) -> None:
    daemon, db, store, clock = woo
    store.pre_orders.install()
    release = clock().date() + timedelta(days=10)
    new_preorder_product(store, release)
    order_id = store.pre_orders.place(
        "pia@example.com", [(SKU, 1)], when_charged="upon_release", name="Pia Berg"
    )
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    assert waiting_orders(db) == {order_id}
    [confirmation] = mails_to(tmp_path / "outbox", "pia@example.com")
    assert f"order {order_id}" in confirmation  # the pre-order confirmation (the shop is Swedish)

    # Release: the extension moves it to pending (stock kept) and mails the payment link itself.
    clock.advance(timedelta(days=10))
    store.set_release_date(SKU, clock().date())
    assert store.pre_orders.release(SKU) == [order_id]
    for _ in range(2):
        clock.advance(timedelta(minutes=5))
        daemon.run_once()

    assert waiting_orders(db) == {order_id}  # still waiting, now for the customer's payment
    assert len(mails_to(tmp_path / "outbox", "pia@example.com")) == 1  # no cancellation mail
    shown = shop_order(store, order_id)
    assert (shown["status"], shown["needs_payment"], shown["date_paid"]) == ("pending", True, None)

    # The customer pays; WooCommerce moves it to processing. It still waits for stock.
    store.pre_orders.pay(order_id)
    clock.advance(timedelta(minutes=5))
    daemon.run_once()
    assert waiting_orders(db) == {order_id}
    assert len(mails_to(tmp_path / "outbox", "pia@example.com")) == 1


def test_check_says_whether_the_extension_is_active(clock: FrozenClock) -> None:
    with WooCommerceSandbox(clock=clock) as store:
        adapter = WooCommerceAdapter(settings_for(store), sleep=lambda _s: None)
        try:
            report = adapter.check()
            assert report.details["preorders_extension"] == "no"
            assert "no Pre-Orders extension" in report.details["payments"]
            store.pre_orders.install(active=False)
            assert adapter.check().details["preorders_extension"] == "installed, inactive"
            store.pre_orders.install()
            report = adapter.check()
            assert report.ok and report.details["preorders_extension"] == "yes"
            assert "charged upon release" in report.details["payments"]
        finally:
            adapter.close()
