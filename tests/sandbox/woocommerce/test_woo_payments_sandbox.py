"""The sandbox's money side, over real HTTP: system status, ``payment_url``/``needs_payment``, and
the official Pre-Orders extension's statuses and meta (charged upfront or upon release)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from woocommerce import API

from connector.clock import FrozenClock
from connector.sandbox.woocommerce import WooCommerceSandbox

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce" / "real"


def real_body(name: str) -> Any:
    return json.loads((REAL / name).read_text())["body"]


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


def product(api: API, sku: str, stock: int) -> int:
    answer = api.post(
        "products",
        {
            "name": sku,
            "sku": sku,
            "regular_price": "40.00",
            "manage_stock": True,
            "stock_quantity": stock,
            "backorders": "notify",
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def meta(order: dict[str, Any]) -> dict[str, Any]:
    return {entry["key"]: entry["value"] for entry in order["meta_data"]}


def test_system_status_lists_active_plugins_in_the_real_shape(
    store: WooCommerceSandbox, api: API
) -> None:
    real = real_body("system_status.json")
    body = api.get("system_status").json()
    assert set(body["active_plugins"][0]) == set(real["active_plugins"][0])
    assert [p["plugin"] for p in body["active_plugins"]] == ["woocommerce/woocommerce.php"]

    store.pre_orders.install(active=False)
    body = api.get("system_status").json()
    assert [p["plugin"] for p in body["active_plugins"]] == ["woocommerce/woocommerce.php"]
    assert [p["plugin"] for p in body["inactive_plugins"]] == [
        "woocommerce-pre-orders/woocommerce-pre-orders.php"
    ]

    store.pre_orders.install()
    body = api.get("system_status").json()
    extension = body["active_plugins"][1]
    assert extension["plugin"] == "woocommerce-pre-orders/woocommerce-pre-orders.php"
    assert set(extension) == set(real["active_plugins"][0])
    assert body["inactive_plugins"] == []


def test_a_pending_order_needs_payment_at_its_payment_url_until_paid(
    store: WooCommerceSandbox, api: API
) -> None:
    real = real_body("order_get_pending_then_processing.json")
    assert "?pay_for_order=true&key=wc_order_" in real["payment_url"]
    pid = product(api, "LAMP", 0)
    placed = api.post(
        "orders",
        {
            "status": "pending",
            "billing": {"email": "a@example.com"},
            "line_items": [{"product_id": pid, "quantity": 1}],
        },
    ).json()
    assert placed["needs_payment"] is True
    assert placed["date_paid"] is None
    url = placed["payment_url"]
    assert url.startswith(f"{store.base_url}/checkout/order-pay/{placed['id']}/?pay_for_order=true")
    assert url.endswith(f"key={placed['order_key']}")
    # Pending holds no stock (core WooCommerce).
    assert api.get(f"products/{pid}").json()["stock_quantity"] == 0

    store.pre_orders.pay(str(placed["id"]))
    paid = api.get(f"orders/{placed['id']}").json()
    assert (paid["status"], paid["needs_payment"]) == ("processing", False)
    assert paid["date_paid"] is not None
    assert api.get(f"products/{pid}").json()["stock_quantity"] == -1


def test_a_failed_order_needs_payment_and_a_free_one_does_not(
    store: WooCommerceSandbox, api: API
) -> None:
    pid = product(api, "LAMP", 5)
    free = api.post("products", {"name": "Sticker", "sku": "STICK", "regular_price": "0"}).json()
    failed = api.post(
        "orders", {"status": "failed", "line_items": [{"product_id": pid, "quantity": 1}]}
    ).json()
    zero = api.post(
        "orders", {"status": "pending", "line_items": [{"product_id": free["id"], "quantity": 1}]}
    ).json()
    assert failed["needs_payment"] is True
    assert zero["needs_payment"] is False


def test_pre_orders_need_the_active_extension(store: WooCommerceSandbox, api: API) -> None:
    product(api, "GAME", 0)
    with pytest.raises(ValueError, match="not active"):
        store.pre_orders.place("a@example.com", [("GAME", 1)])


def test_a_pre_order_charged_upon_release_is_unpaid_then_pending_with_its_stock_kept(
    store: WooCommerceSandbox, api: API
) -> None:
    store.pre_orders.install()
    pid = product(api, "GAME", 0)
    order_id = store.pre_orders.place("a@example.com", [("GAME", 2)], when_charged="upon_release")
    placed = api.get(f"orders/{order_id}").json()
    assert placed["status"] == "pre-ordered"
    assert placed["date_paid"] is None
    assert placed["needs_payment"] is False  # pre-ordered is not a status valid for payment
    assert meta(placed) == {
        "_wc_pre_orders_is_pre_order": "1",
        "_wc_pre_orders_when_charged": "upon_release",
        "_wc_pre_orders_status": "active",
        "_wc_pre_orders_is_pay_later": "yes",
    }
    # Stock is reduced at the pre-order checkout.
    assert api.get(f"products/{pid}").json()["stock_quantity"] == -2

    assert store.pre_orders.release("GAME") == [order_id]
    released = api.get(f"orders/{order_id}").json()
    assert (released["status"], released["needs_payment"]) == ("pending", True)
    assert meta(released)["_wc_pre_orders_status"] == "completed"
    assert api.get(f"products/{pid}").json()["stock_quantity"] == -2  # not given back

    store.pre_orders.pay(order_id)
    assert api.get(f"orders/{order_id}").json()["status"] == "processing"
    assert api.get(f"products/{pid}").json()["stock_quantity"] == -2  # not reduced twice


def test_a_pre_order_charged_upfront_is_paid_and_processing_at_release(
    store: WooCommerceSandbox, api: API
) -> None:
    store.pre_orders.install()
    product(api, "GAME", 0)
    order_id = store.pre_orders.place("a@example.com", [("GAME", 1)], when_charged="upfront")
    placed = api.get(f"orders/{order_id}").json()
    assert placed["status"] == "pre-ordered"
    assert placed["date_paid"] is not None
    assert "_wc_pre_orders_is_pay_later" not in meta(placed)
    assert store.pre_orders.release("GAME") == []
    assert api.get(f"orders/{order_id}").json()["status"] == "processing"
    with pytest.raises(ValueError, match="does not need payment"):
        store.pre_orders.pay(order_id)
