"""The sandbox's order status moves between processing and on-hold, as real WooCommerce makes them
(issue 18): stock is reduced once (``wc_maybe_reduce_stock_levels`` runs on processing, on-hold and
completed, guarded by ``_order_stock_reduced``) and restored only at pending or cancelled
(``wc_maybe_increase_stock_levels``); the customer mails follow the triggers of
``WC_Email_Customer_Processing_Order`` and ``WC_Email_Customer_On_Hold_Order``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from woocommerce import API

from connector.clock import FrozenClock
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.sandbox.woocommerce.test_wc_sandbox_rules import create, order, stock


@pytest.fixture(scope="module")
def running() -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox() as server:
        yield server


@pytest.fixture
def store(running: WooCommerceSandbox, clock: FrozenClock) -> WooCommerceSandbox:
    running.reset()
    running.clock.set(clock())
    return running


@pytest.fixture
def api(store: WooCommerceSandbox) -> API:
    creds = store.credentials()
    return API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")


def _mails(store: WooCommerceSandbox, order_id: int) -> list[str]:
    return [m["email"] for m in store.state()["customer_emails"] if m["order_id"] == order_id]


def test_processing_to_on_hold_and_back_moves_no_stock(store: WooCommerceSandbox, api: API) -> None:
    made = create(api, manage_stock=True, stock_quantity=1, backorders="notify")
    placed = order(api, made["id"], 3)
    assert stock(api, made["id"]) == (-2, "onbackorder")
    held = api.put(f"orders/{placed['id']}", {"status": "on-hold"}).json()
    assert held["status"] == "on-hold" and held["date_modified"] >= placed["date_modified"]
    assert stock(api, made["id"]) == (-2, "onbackorder")  # reduced once, not again
    api.put(f"orders/{placed['id']}", {"status": "processing"})
    assert stock(api, made["id"]) == (-2, "onbackorder")
    api.put(f"orders/{placed['id']}", {"status": "cancelled"})
    assert stock(api, made["id"]) == (1, "instock")


def test_status_moves_mail_the_customer_as_woocommerce_does(
    store: WooCommerceSandbox, api: API
) -> None:
    made = create(api, manage_stock=True, stock_quantity=0, backorders="notify")
    placed = order(api, made["id"], 1)  # created pending, then processing
    assert _mails(store, placed["id"]) == ["customer_processing_order"]
    # processing -> on-hold: no customer mail (the on-hold mail is for pending/failed/cancelled).
    api.post("orders/batch", {"update": [{"id": placed["id"], "status": "on-hold"}]})
    assert _mails(store, placed["id"]) == ["customer_processing_order"]
    # on-hold -> processing: the "processing" mail once more.
    api.post("orders/batch", {"update": [{"id": placed["id"], "status": "processing"}]})
    assert _mails(store, placed["id"]) == ["customer_processing_order"] * 2

    waiting = order(api, made["id"], 1, status="pending")
    api.put(f"orders/{waiting['id']}", {"status": "on-hold"})  # e.g. a bank transfer
    assert _mails(store, waiting["id"]) == ["customer_on_hold_order"]
