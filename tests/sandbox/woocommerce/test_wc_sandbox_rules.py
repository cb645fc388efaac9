"""The WooCommerce sandbox follows WooCommerce 7.9's rules, over real HTTP, with the official client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from woocommerce import API

from connector.clock import FrozenClock
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "woocommerce" / "real"


def real_body(name: str) -> Any:
    return json.loads((REAL / name).read_text())["body"]


@pytest.fixture(scope="module")
def running() -> Iterator[WooCommerceSandbox]:
    # One server per module (stopping one takes werkzeug's half-second poll); reset per test.
    with WooCommerceSandbox() as server:
        yield server


@pytest.fixture
def store(running: WooCommerceSandbox, clock: FrozenClock) -> WooCommerceSandbox:
    running.reset()
    running.clock.set(clock())
    return running


@pytest.fixture
def api(store: WooCommerceSandbox) -> API:
    """The official `woocommerce` package, which signs with OAuth 1.0a over plain HTTP."""
    creds = store.credentials()
    return API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")


def create(api: API, **fields: Any) -> dict[str, Any]:
    answer = api.post("products", {"name": "Widget", "regular_price": "9.50", **fields})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def order(api: API, product_id: int, quantity: int, status: str = "processing") -> dict[str, Any]:
    answer = api.post(
        "orders",
        {
            "status": status,
            "billing": {"email": "a@example.com", "first_name": "A", "last_name": "B"},
            "line_items": [{"product_id": product_id, "quantity": quantity}],
        },
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def stock(api: API, product_id: int) -> tuple[Any, str]:
    body = api.get(f"products/{product_id}").json()
    return body["stock_quantity"], body["stock_status"]


# --- derived stock fields -------------------------------------------------------------------


def test_the_official_client_lists_and_updates_products(api: API) -> None:
    made = create(api, sku="W-1", manage_stock=True, stock_quantity=3)
    listed = api.get("products", params={"per_page": 10})
    assert listed.status_code == 200 and listed.headers["X-WP-Total"] == "1"
    updated = api.put(f"products/{made['id']}", {"regular_price": "11.00"})
    assert updated.status_code == 200 and updated.json()["price"] == "11.00"


def test_a_written_stock_status_is_overridden_when_stock_is_managed(api: API) -> None:
    made = create(api, manage_stock=True, stock_quantity=0, backorders="no")
    answer = api.put(f"products/{made['id']}", {"stock_status": "instock"}).json()
    assert answer["stock_status"] == "outofstock"
    answer = api.put(f"products/{made['id']}", {"backorders": "notify"}).json()
    assert answer["stock_status"] == "onbackorder" and answer["backorders_allowed"] is True


def test_unmanaged_stock_forces_backorders_no(api: API) -> None:
    made = create(api, manage_stock=False, backorders="notify", stock_status="onbackorder")
    assert made["backorders"] == "no" and made["backorders_allowed"] is False
    assert made["stock_status"] == "onbackorder" and made["stock_quantity"] is None


def test_store_wide_manage_stock_off_ignores_stock_settings(clock: FrozenClock) -> None:
    with WooCommerceSandbox(clock=clock, manage_stock_option=False) as off:
        creds = off.credentials()
        api = API(off.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")
        made = create(api, manage_stock=True, stock_quantity=0, backorders="notify")
        assert made["manage_stock"] is False and made["backorders"] == "no"
        setting = api.get("settings/products").json()[0]
        assert setting["id"] == "woocommerce_manage_stock" and setting["value"] == "no"


# --- orders and stock -----------------------------------------------------------------------


def test_rest_orders_sell_below_zero_reduce_once_and_restore_on_cancel(api: API) -> None:
    no = create(api, manage_stock=True, stock_quantity=0, backorders="no")
    placed = order(api, no["id"], 1)
    assert stock(api, no["id"]) == (-1, "outofstock")
    api.put(f"orders/{placed['id']}", {"status": "completed"})
    assert stock(api, no["id"]) == (-1, "outofstock")  # reduced once only
    api.put(f"orders/{placed['id']}", {"status": "cancelled"})
    assert stock(api, no["id"]) == (0, "outofstock")


def test_pending_holds_no_stock_and_going_back_to_pending_restores(api: API) -> None:
    yes = create(api, manage_stock=True, stock_quantity=1, backorders="yes")
    placed = order(api, yes["id"], 4, status="pending")
    assert stock(api, yes["id"]) == (1, "instock")
    api.put(f"orders/{placed['id']}", {"status": "processing"})
    assert stock(api, yes["id"]) == (-3, "onbackorder")
    api.put(f"orders/{placed['id']}", {"status": "pending"})
    assert stock(api, yes["id"]) == (1, "instock")


def test_backordered_meta_only_for_a_checkout_of_a_notify_product(
    store: WooCommerceSandbox, api: API
) -> None:
    notify = create(api, sku="LAMP", manage_stock=True, stock_quantity=2, backorders="notify")
    rest = order(api, notify["id"], 5)
    assert [m["key"] for m in rest["line_items"][0]["meta_data"]] == ["_reduced_stock"]
    checkout = store.place_order("c@example.com", [("LAMP", 5)], name="C D")
    line = api.get(f"orders/{checkout}").json()["line_items"][0]
    backordered = [m for m in line["meta_data"] if m["key"] == "Backordered"]
    assert backordered[0]["value"] == "5"  # stock was already -3: the whole line waits
    create(api, sku="NO", manage_stock=True, stock_quantity=0, backorders="no")
    with pytest.raises(ValueError):
        store.place_order("c@example.com", [("NO", 1)])


def test_checkout_refuses_beyond_stock_of_a_product_that_allows_no_backorders(
    store: WooCommerceSandbox, api: API
) -> None:
    table = create(api, sku="TABLE", manage_stock=True, stock_quantity=2, backorders="no")
    with pytest.raises(ValueError, match="TABLE"):
        store.place_order("c@example.com", [("TABLE", 3)])
    # Two lines of one SKU count together, as the cart adds them up.
    with pytest.raises(ValueError, match="TABLE"):
        store.place_order("c@example.com", [("TABLE", 1), ("TABLE", 2)])
    with pytest.raises(ValueError):
        store.place_order("c@example.com", [("TABLE", 0)])
    assert stock(api, table["id"]) == (2, "instock")  # nothing refused was sold
    assert api.get("orders").json() == []
    sold = store.place_order("c@example.com", [("TABLE", 2)])
    assert stock(api, table["id"]) == (0, "outofstock")
    assert api.get(f"orders/{sold}").json()["status"] == "processing"
    # The REST API still sells below zero: an admin can always create the order.
    rest = store.place_order("c@example.com", [("TABLE", 1)], checkout=False)
    assert api.get(f"orders/{rest}").json()["line_items"][0]["quantity"] == 1
    assert stock(api, table["id"]) == (-1, "outofstock")


def test_checkout_refuses_variations_that_together_outsell_their_parents_stock(
    store: WooCommerceSandbox, api: API
) -> None:
    parent = create(api, type="variable", manage_stock=True, stock_quantity=3, backorders="no")
    for sku in ("BLUE", "GREEN"):
        api.post(f"products/{parent['id']}/variations", {"sku": sku, "regular_price": "40"})
    with pytest.raises(ValueError):
        store.place_order("c@example.com", [("BLUE", 2), ("GREEN", 2)])
    store.place_order("c@example.com", [("BLUE", 2), ("GREEN", 1)])
    assert stock(api, parent["id"]) == (0, "outofstock")


def test_checkout_refuses_an_unmanaged_product_marked_out_of_stock(
    store: WooCommerceSandbox, api: API
) -> None:
    create(api, sku="GONE", manage_stock=False, stock_status="outofstock")
    create(api, sku="PLENTY", manage_stock=False)
    with pytest.raises(ValueError, match="GONE"):
        store.place_order("c@example.com", [("PLENTY", 1), ("GONE", 1)])
    store.place_order("c@example.com", [("PLENTY", 40)])


def test_seeded_checkouts_leave_out_lines_the_storefront_refuses(clock: FrozenClock) -> None:
    spec = SeedSpec(products=40, orders=120)
    store = WooCommerceSandbox(spec, clock=clock)
    for product in store.state()["products"] + store.state()["variations"]:
        if product["manage_stock"] is True and product["backorders"] == "no":
            assert product["stock_quantity"] >= 0, product["sku"]


def test_listing_by_sku_answers_variations_in_the_product_schema(api: API) -> None:
    parent = create(api, type="variable", sku="CHAIR")
    oak = api.post(f"products/{parent['id']}/variations", {"sku": "CHAIR-OAK"}).json()
    create(api, sku="STOOL")
    found = api.get("products", params={"sku": "CHAIR-OAK,STOOL"}).json()
    by_sku = {row["sku"]: row for row in found}
    assert set(by_sku) == {"CHAIR-OAK", "STOOL"}
    assert by_sku["CHAIR-OAK"]["id"] == oak["id"]
    assert by_sku["CHAIR-OAK"]["type"] == "variation"
    assert by_sku["CHAIR-OAK"]["parent_id"] == parent["id"]
    assert by_sku["STOOL"]["parent_id"] == 0
    # Without ``sku`` the list holds products only.
    assert {row["sku"] for row in api.get("products").json()} == {"CHAIR", "STOOL"}


def test_a_refund_restocks_points_at_its_line_and_moves_the_order(
    store: WooCommerceSandbox, api: API
) -> None:
    lamp = create(api, sku="LAMP", manage_stock=True, stock_quantity=2, backorders="notify")
    placed = order(api, lamp["id"], 3)
    line_id = placed["line_items"][0]["id"]
    assert stock(api, lamp["id"]) == (-1, "onbackorder")
    store.advance_clock(timedelta(minutes=3))
    answer = api.post(
        f"orders/{placed['id']}/refunds",
        {
            "amount": "9.50",
            "reason": "one lamp cancelled",
            "line_items": [{"id": line_id, "quantity": 1, "refund_total": "9.50"}],
        },
    )
    assert answer.status_code == 201, answer.text
    refund = answer.json()
    real_refund = real_body("order_refund_create_restock_one_backordered_unit.json")
    assert set(refund) == set(real_refund)
    assert set(refund["line_items"][0]) == set(real_refund["line_items"][0])
    assert refund["line_items"][0]["quantity"] == -1
    refunded_item = [
        m for m in refund["line_items"][0]["meta_data"] if m["key"] == "_refunded_item_id"
    ]
    assert refunded_item[0]["value"] == str(line_id)
    assert stock(api, lamp["id"]) == (0, "onbackorder")  # api_restock: the unit goes back
    after = api.get(f"orders/{placed['id']}").json()
    assert after["date_modified_gmt"] > placed["date_modified_gmt"]
    assert after["refunds"] == [
        {"id": refund["id"], "reason": "one lamp cancelled", "total": "-9.50"}
    ]
    assert after["line_items"][0]["quantity"] == 3  # the line itself never shows the refund
    assert after["status"] == "processing"
    listed = api.get(f"orders/{placed['id']}/refunds").json()
    assert [r["id"] for r in listed] == [refund["id"]]
    too_much = api.post(f"orders/{placed['id']}/refunds", {"amount": "100.00"})
    assert too_much.status_code == 500
    rest = api.post(f"orders/{placed['id']}/refunds", {"amount": "19.00"}).json()
    assert rest["line_items"] == []
    assert api.get(f"orders/{placed['id']}").json()["status"] == "refunded"


def test_stock_status_set_by_hand_without_stock_management_sells_or_refuses(
    store: WooCommerceSandbox, api: API
) -> None:
    # Real capture product_create_simple_unmanaged_onbackorder.json: no quantity, backorders
    # forced to "no", and still backordered: true. Checkouts take it; "outofstock" refuses.
    keys = ("manage_stock", "stock_status", "backorders", "backorders_allowed", "backordered")
    real = real_body("product_create_simple_unmanaged_onbackorder.json")
    made = create(api, sku="BENCH", manage_stock=False, stock_status="onbackorder")
    assert {k: made[k] for k in keys} == {k: real[k] for k in keys}
    assert made["stock_quantity"] is None
    create(api, sku="STOOL", manage_stock=False, stock_status="outofstock")
    placed = store.place_order("a@example.com", [("BENCH", 4)])
    assert api.get(f"products/{made['id']}").json()["stock_status"] == "onbackorder"
    assert api.get(f"orders/{placed}").json()["line_items"][0]["quantity"] == 4
    with pytest.raises(ValueError, match="out of stock"):
        store.place_order("a@example.com", [("STOOL", 1)])


def test_a_refund_line_carries_the_money_asked_for_not_the_line_price(
    store: WooCommerceSandbox, api: API
) -> None:
    # wc_create_refund: the negative line's total is the request's refund_total (the capture:
    # refund_total "29.00" -> total "-29.00"); restocking a unit without money refunds nothing.
    lamp = create(api, sku="LAMP", manage_stock=True, stock_quantity=0, backorders="notify")
    placed = order(api, lamp["id"], 3)
    line_id = placed["line_items"][0]["id"]
    paid = api.post(
        f"orders/{placed['id']}/refunds",
        {"amount": "5.00", "line_items": [{"id": line_id, "quantity": 1, "refund_total": "5.00"}]},
    ).json()
    unpaid = api.post(
        f"orders/{placed['id']}/refunds",
        {"amount": "0", "line_items": [{"id": line_id, "quantity": 1}]},
    ).json()
    assert [paid["line_items"][0]["total"], unpaid["line_items"][0]["total"]] == ["-5.00", "0.00"]
    real = real_body("order_refund_create_restock_one_backordered_unit.json")["line_items"][0]
    assert real["total"] == "-29.00" and real["quantity"] == -1


def test_parent_managed_variations_sell_the_parents_stock(
    store: WooCommerceSandbox, api: API
) -> None:
    parent = create(api, type="variable", manage_stock=True, stock_quantity=1, backorders="notify")
    red = api.post(f"products/{parent['id']}/variations", {"sku": "RED", "regular_price": "40"})
    red_body = red.json()
    assert red_body["manage_stock"] == "parent" and red_body["stock_quantity"] == 1
    store.advance_clock(timedelta(minutes=5))
    order(api, parent["id"], 3) if False else api.post(
        "orders",
        {
            "status": "processing",
            "line_items": [
                {"variation_id": red_body["id"], "product_id": parent["id"], "quantity": 3}
            ],
        },
    )
    assert stock(api, parent["id"]) == (-2, "onbackorder")
    after = api.get(f"products/{parent['id']}/variations").json()[0]
    assert after["stock_quantity"] == -2 and after["stock_status"] == "onbackorder"
    assert after["date_modified_gmt"] == red_body["date_modified_gmt"]
    assert "parent_id" not in after


def test_meta_only_order_updates_and_notes_leave_date_modified(
    store: WooCommerceSandbox, api: API
) -> None:
    made = create(api, manage_stock=True, stock_quantity=5)
    placed = order(api, made["id"], 1)
    store.advance_clock(timedelta(hours=1))
    api.put(f"orders/{placed['id']}", {"meta_data": [{"key": "_x", "value": "1"}]})
    api.post(f"orders/{placed['id']}/notes", {"note": "hello", "customer_note": False})
    assert (
        api.get(f"orders/{placed['id']}").json()["date_modified_gmt"] == placed["date_modified_gmt"]
    )
    api.put(f"orders/{placed['id']}", {"status": "completed"})
    assert (
        api.get(f"orders/{placed['id']}").json()["date_modified_gmt"] != placed["date_modified_gmt"]
    )


# --- tags and meta --------------------------------------------------------------------------


def test_tags_replace_as_a_set_and_slug_only_or_unknown_ids_clear_them(api: API) -> None:
    made = create(api, tags=[{"name": "backorder"}, {"name": "sale"}])
    assert sorted(t["name"] for t in made["tags"]) == ["backorder", "sale"]
    kept = api.put(f"products/{made['id']}", {"tags": [{"id": made["tags"][0]["id"]}]}).json()
    assert len(kept["tags"]) == 1
    cleared = api.put(f"products/{made['id']}", {"tags": [{"slug": "sale"}]}).json()
    assert cleared["tags"] == []
    api.put(f"products/{made['id']}", {"tags": [{"name": "sale"}]})
    assert api.put(f"products/{made['id']}", {"tags": [{"id": 99999}]}).json()["tags"] == []


def test_categories_are_set_by_id_only_and_none_left_means_uncategorized(
    api: API, store: WooCommerceSandbox
) -> None:
    # The REST controller plucks each entry's id (save_taxonomy_terms): a name is no category,
    # an unknown id is dropped, and a product without one is filed under the default category.
    made = create(api)
    assert [(c["id"], c["name"], c["slug"]) for c in made["categories"]] == [
        (15, "Uncategorized", "uncategorized")
    ]
    sofas = store.catalog.category_id("Garden Sofas")
    filed = api.put(f"products/{made['id']}", {"categories": [{"id": sofas}]}).json()
    assert [(c["name"], c["slug"]) for c in filed["categories"]] == [
        ("Garden Sofas", "garden-sofas")
    ]
    by_name = api.put(f"products/{made['id']}", {"categories": [{"name": "Lamps"}]}).json()
    assert [c["id"] for c in by_name["categories"]] == [15]
    unknown = api.put(f"products/{made['id']}", {"categories": [{"id": 99999}]}).json()
    assert [c["id"] for c in unknown["categories"]] == [15]


def test_meta_upserts_by_key_and_null_deletes(api: API) -> None:
    made = create(api, meta_data=[{"key": "_eta", "value": "2027-01-01"}])
    again = api.put(
        f"products/{made['id']}", {"meta_data": [{"key": "_eta", "value": "2027-02-01"}]}
    )
    assert [(m["key"], m["value"]) for m in again.json()["meta_data"]] == [("_eta", "2027-02-01")]
    gone = api.put(f"products/{made['id']}", {"meta_data": [{"key": "_eta", "value": None}]})
    assert gone.json()["meta_data"] == []


# --- batches, lists, errors -----------------------------------------------------------------


def test_batches_cap_at_100_report_items_and_skip_validation(api: API) -> None:
    made = create(api, manage_stock=True, stock_quantity=1)
    too_many = api.post("products/batch", {"update": [{"id": made["id"]}] * 101})
    assert too_many.status_code == 413
    assert too_many.json() == real_body("error_413_batch_101_items.json")
    answer = api.post(
        "products/batch",
        {"update": [{"id": made["id"], "backorders": "sometimes"}, {"id": 999999, "sku": "x"}]},
    )
    assert answer.status_code == 200
    first, second = answer.json()["update"]
    assert first["backorders"] == "sometimes"  # stored as is, as a real batch did
    assert second == {"id": 999999, "error": real_body("error_400_put_unknown_product.json")}
    single = api.put(f"products/{made['id']}", {"backorders": "sometimes"})
    assert single.status_code == 400 and single.json()["code"] == "rest_invalid_param"


def test_lists_page_with_headers_and_refuse_per_page_above_100(api: API) -> None:
    for index in range(12):
        create(api, sku=f"S-{index}")
    page = api.get("products", params={"per_page": 5, "page": 2, "orderby": "id", "order": "asc"})
    assert page.headers["X-WP-Total"] == "12" and page.headers["X-WP-TotalPages"] == "3"
    assert 'rel="next"' in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]
    assert [p["sku"] for p in page.json()] == [f"S-{i}" for i in range(5, 10)]
    refused = api.get("products", params={"per_page": 101})
    assert refused.status_code == 400
    assert refused.json() == real_body("error_400_per_page_101.json")


def test_modified_after_filters_in_gmt(store: WooCommerceSandbox, api: API) -> None:
    old = create(api, sku="OLD")
    store.advance_clock(timedelta(minutes=10))
    new = create(api, sku="NEW")
    params = {
        "modified_after": old["date_modified_gmt"],
        "dates_are_gmt": "true",
        "orderby": "modified",
    }
    assert [p["id"] for p in api.get("products", params=params).json()] == [new["id"]]


def test_unknown_product_404_on_get_and_400_on_put(api: API) -> None:
    assert api.get("products/424242").json() == real_body("error_404_unknown_product.json")
    assert api.put("products/424242", {"name": "x"}).json() == real_body(
        "error_400_put_unknown_product.json"
    )


# --- authentication -------------------------------------------------------------------------


def test_basic_auth_only_over_https_and_oauth_failures_name_the_reason(
    store: WooCommerceSandbox,
) -> None:
    creds = store.credentials()
    url = f"{store.base_url}/wp-json/wc/v3/products"
    basic = (creds["consumer_key"], creds["consumer_secret"])
    plain = requests.get(url, auth=basic, timeout=5)
    assert plain.status_code == 401
    assert plain.json() == real_body("error_401_basic_over_plain_http_ignored.json")
    tls = requests.get(url, auth=basic, headers={"X-Forwarded-Proto": "https"}, timeout=5)
    assert tls.status_code == 200
    wrong = API(store.base_url, creds["consumer_key"], "cs_wrong", version="wc/v3")
    assert wrong.get("products").json() == real_body("error_401_oauth_wrong_secret.json")
    signed = API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")
    first = signed.get("products", params={"per_page": 1})
    assert requests.get(first.url, timeout=5).json() == real_body(
        "error_401_oauth_replayed_nonce.json"
    )


def test_a_read_only_key_cannot_write(store: WooCommerceSandbox) -> None:
    store.add_key("ck_readonly", "cs_readonly", "read")
    api = API(store.base_url, "ck_readonly", "cs_readonly", version="wc/v3")
    assert api.get("products").status_code == 200
    assert api.post("products/batch", {}).json() == real_body("error_401_read_only_key_write.json")


# --- webhooks -------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append((dict(self.headers.items()), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()
    server.server_close()


def test_webhooks_are_built_at_delivery_merged_and_signed_over_php_json(
    store: WooCommerceSandbox, api: API, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    api.post("webhooks", {"topic": "order.updated", "delivery_url": url, "secret": "s3cret"})
    assert handler.received[0][1] == b"webhook_id=10"  # the unsigned creation ping
    assert "X-WC-Webhook-Signature" not in handler.received[0][0]
    made = create(api, manage_stock=True, stock_quantity=5)
    placed = order(api, made["id"], 1, status="pending")
    api.put(f"orders/{placed['id']}", {"status": "processing"})
    assert store.deliver_webhooks() == 1  # created + two updates merge into one delivery
    headers, body = handler.received[-1]
    assert json.loads(body)["status"] == "processing"  # the state at delivery time
    assert b"\\/" in body  # PHP escapes slashes
    expected = base64.b64encode(hmac.new(b"s3cret", body, hashlib.sha256).digest()).decode()
    assert headers["X-WC-Webhook-Signature"] == expected
    assert headers["X-WC-Webhook-Topic"] == "order.updated"
    assert headers["X-WC-Webhook-ID"] == "10"


def test_a_webhook_disables_itself_at_the_seventh_failure_without_retrying(
    store: WooCommerceSandbox, api: API, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    handler.status = 500
    hook = api.post("webhooks", {"topic": "product.updated", "delivery_url": url, "secret": "s"})
    made = create(api)
    for attempt in range(7):
        api.put(f"products/{made['id']}", {"name": f"Widget {attempt}"})
        store.deliver_webhooks()
        assert store.deliver_webhooks() == 0  # nothing is retried
    status = api.get(f"webhooks/{hook.json()['id']}").json()["status"]
    assert status == "disabled"


# --- payload shapes -------------------------------------------------------------------------


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: type(v).__name__ if v is not None else "null" for k, v in value.items()}
    return type(value).__name__


def _same_shape(ours: dict[str, Any], theirs: dict[str, Any], name: str) -> None:
    assert set(ours) == set(theirs) - {"permalink_template", "generated_slug"}, name
    for key, value in theirs.items():
        if key in ours and value is not None and ours[key] is not None:
            assert type(ours[key]) is type(value) or {type(ours[key]), type(value)} <= {
                int,
                float,
            }, (
                name,
                key,
            )


def test_payload_shapes_match_the_real_store(store: WooCommerceSandbox, api: API) -> None:
    product = create(
        api, manage_stock=True, stock_quantity=2, backorders="notify", tags=[{"name": "t"}]
    )
    _same_shape(product, real_body("product_create_simple_notify_stock2.json"), "product")
    parent = create(api, type="variable")
    variation = api.post(
        f"products/{parent['id']}/variations",
        {"sku": "V", "regular_price": "15", "manage_stock": True, "stock_quantity": 0},
    ).json()
    _same_shape(variation, real_body("variations_list_tee.json")[0], "variation")
    placed = order(api, product["id"], 3)
    _same_shape(placed, real_body("order_get_mixed.json"), "order")
    _same_shape(placed["line_items"][0], real_body("order_get_mixed.json")["line_items"][0], "line")
    note = api.post(f"orders/{placed['id']}/notes", {"note": "n", "customer_note": False}).json()
    _same_shape(note, real_body("order_note_create_private.json"), "note")
    batch = api.post("products/batch", {"update": [{"id": product["id"], "name": "B"}]}).json()
    theirs = real_body("products_batch_update_with_invalid_items.json")
    assert set(batch) == set(theirs)
    _same_shape(batch["update"][0], theirs["update"][0], "batch item")


# --- seeding and control --------------------------------------------------------------------


def test_seeding_maps_policies_tracking_and_preorders(clock: FrozenClock) -> None:
    spec = SeedSpec(seed=5, products=40, orders=10, preorder_share=0.3)
    with WooCommerceSandbox(spec, clock=clock) as seeded:
        state = seeded.state()
    items = state["products"] + state["variations"]
    assert any(i["backorders"] == "notify" for i in items)
    assert any(i["manage_stock"] is False for i in state["products"] if i["type"] == "simple")
    preorders = [p for p in state["products"] if any(t["name"] == "preorder" for t in p["tags"])]
    assert preorders
    assert all(any(m["key"] == "_release_date" for m in p["meta_data"]) for p in preorders)
    with WooCommerceSandbox(spec, clock=FrozenClock(clock())) as again:

        def digest(orders: list[dict[str, Any]]) -> list[Any]:
            return [
                (
                    o["id"],
                    o["status"],
                    o["date_created_gmt"],
                    [(ln["sku"], ln["quantity"]) for ln in o["line_items"]],
                )
                for o in orders
            ]

        assert digest(again.state()["orders"]) == digest(state["orders"])  # same seed, same store


def test_control_api_over_http(store: WooCommerceSandbox, api: API) -> None:
    create(api, sku="CTL", manage_stock=True, stock_quantity=1, backorders="notify")
    base = f"{store.base_url}/__sandbox"
    placed = requests.post(
        f"{base}/place_order", json={"email": "x@example.com", "lines": [["CTL", 2]]}, timeout=5
    )
    assert placed.json()["ok"] is True
    requests.post(f"{base}/receive_stock", json={"sku": "CTL", "quantity": 4}, timeout=5)
    state = requests.get(f"{base}/state", timeout=5).json()["result"]
    assert state["products"][0]["stock_quantity"] == 3
    log = requests.get(f"{base}/log", timeout=5).json()["result"]
    assert any(entry["operation"] == "POST products" for entry in log)
