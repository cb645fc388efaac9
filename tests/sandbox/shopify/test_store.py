"""The sandbox applies Shopify's rules: stock on checkout, pre-orders, holds, bulk, webhooks, faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import requests

from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL


def _variant(store: ShopifySandbox, **wanted: Any) -> dict[str, Any]:
    for variant in store.state()["variants"].values():
        if all(variant[k] == v for k, v in wanted.items()):
            return dict(variant)
    raise AssertionError(f"no variant with {wanted}")


def test_an_order_moves_available_to_committed(store: ShopifySandbox) -> None:
    before = _variant(store, policy="DENY", tracked=True)
    assert before["available"] >= 1
    store.place_order("ann@example.com", [(before["sku"], 1)])
    after = _variant(store, sku=before["sku"])
    assert (after["available"], after["committed"]) == (
        before["available"] - 1,
        before["committed"] + 1,
    )


def test_continue_goes_negative_and_deny_refuses(store: ShopifySandbox) -> None:
    keeps_selling = _variant(store, policy="CONTINUE", tracked=True)
    store.place_order("bo@example.com", [(keeps_selling["sku"], keeps_selling["available"] + 3)])
    assert _variant(store, sku=keeps_selling["sku"])["available"] == -3
    stops = _variant(store, policy="DENY", tracked=True)
    with pytest.raises(ValueError, match="sold out"):
        store.place_order("cy@example.com", [(stops["sku"], stops["available"] + 1)])
    assert _variant(store, sku=stops["sku"])["available"] == stops["available"]


def test_two_lines_of_one_deny_sku_add_up_and_cannot_oversell_it(store: ShopifySandbox) -> None:
    stops = _variant(store, policy="DENY", tracked=True)
    half = stops["available"] // 2 + 1
    with pytest.raises(ValueError, match="sold out"):
        store.place_order("ed@example.com", [(stops["sku"], half), (stops["sku"], half)])
    assert _variant(store, sku=stops["sku"])["available"] == stops["available"]


def test_preorder_lines_carry_the_preorder_selling_plan(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    preorder = next(p for p in store.state()["products"].values() if p["release_date"])
    sku = next(
        v["sku"]
        for v in store.state()["variants"].values()
        if store.state()["products"][v["product_id"]] is not None
        and store.state()["products"][v["product_id"]]["title"] == preorder["title"]
    )
    order_id = store.place_order("di@example.com", [(sku, 1)])
    answer = gql(
        "query($id: ID!) { order(id: $id) { lineItems(first: 5) { nodes { sku sellingPlan { name } } } } }",
        {"id": order_id},
    )
    assert answer["data"]["order"]["lineItems"]["nodes"] == [
        {"sku": sku, "sellingPlan": {"name": "Pre-order"}}
    ]


HOLD = """mutation($id: ID!, $hold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $hold) {
    fulfillmentHold { id handle } remainingFulfillmentOrder { id }
    userErrors { field message code } } }"""
FO = """query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { id status
  lineItems(first: 5) { nodes { id remainingQuantity lineItem { sku } } } } } } }"""


def test_holding_some_lines_leaves_the_rest_shippable(store: ShopifySandbox, gql: GraphQL) -> None:
    in_stock = _variant(store, policy="DENY", tracked=True)
    backordered = _variant(store, policy="CONTINUE", tracked=True)
    order_id = store.place_order("ed@example.com", [(in_stock["sku"], 1), (backordered["sku"], 2)])
    fo = gql(FO, {"id": order_id})["data"]["order"]["fulfillmentOrders"]["nodes"][0]
    line = next(i for i in fo["lineItems"]["nodes"] if i["lineItem"]["sku"] == backordered["sku"])
    hold = {
        "reason": "INVENTORY_OUT_OF_STOCK",
        "handle": "bc-1",
        "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 2}],
    }
    result = gql(HOLD, {"id": fo["id"], "hold": hold})["data"]["fulfillmentOrderHold"]
    assert result["userErrors"] == []
    assert result["remainingFulfillmentOrder"] is not None
    after = gql(FO, {"id": order_id})["data"]["order"]["fulfillmentOrders"]["nodes"]
    by_status = {
        f["status"]: [i["lineItem"]["sku"] for i in f["lineItems"]["nodes"]] for f in after
    }
    assert by_status == {"ON_HOLD": [backordered["sku"]], "OPEN": [in_stock["sku"]]}
    again = gql(
        HOLD, {"id": fo["id"], "hold": {"reason": "INVENTORY_OUT_OF_STOCK", "handle": "bc-1"}}
    )
    assert (
        again["data"]["fulfillmentOrderHold"]["userErrors"][0]["code"]
        == "DUPLICATE_FULFILLMENT_HOLD_HANDLE"
    )


def test_a_hold_on_a_closed_fulfillment_order_is_a_user_error(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    variant = _variant(store, policy="DENY", tracked=True)
    order_id = store.place_order("fi@example.com", [(variant["sku"], 1)])
    store.fulfill_order(order_id)
    fo = gql(FO, {"id": order_id})["data"]["order"]["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "CLOSED"
    answer = gql(
        HOLD, {"id": fo["id"], "hold": {"reason": "UNKNOWN_DELIVERY_DATE", "handle": "bc-2"}}
    )
    assert "cannot be held" in answer["data"]["fulfillmentOrderHold"]["userErrors"][0]["message"]


def test_bulk_jsonl_has_children_after_their_parents(store: ShopifySandbox, gql: GraphQL) -> None:
    inner = "{ products { edges { node { id title variants { edges { node { id sku } } } } } } }"
    started = gql(
        "mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) { bulkOperation { id } userErrors { message } } }",
        {"q": inner},
    )["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == []
    store.bulk.wait()
    status = gql(
        "query($id: ID!) { bulkOperation(id: $id) { status url objectCount } }",
        {"id": started["bulkOperation"]["id"]},
    )
    op = status["data"]["bulkOperation"]
    assert op["status"] == "COMPLETED"
    lines = [json.loads(x) for x in requests.get(op["url"], timeout=5).text.splitlines()]
    assert int(op["objectCount"]) == len(lines)
    seen: set[str] = set()
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] in seen, "a child came before its parent"
            assert line["id"].startswith("gid://shopify/ProductVariant/")
        seen.add(line["id"])
    assert sum("__parentId" not in line for line in lines) == len(store.state()["products"])


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        status = 500 if type(self).fail_first > 0 else 200
        type(self).fail_first -= 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    _Receiver.fail_first = 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks"
    server.shutdown()
    server.server_close()


def test_webhooks_are_signed_verifiably_with_the_stdlib_and_retried(
    store: ShopifySandbox, gql: GraphQL, receiver: str
) -> None:
    created = gql(
        "mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: {uri: $uri}) { webhookSubscription { id topic uri } userErrors { message } } }",
        {"uri": receiver},
    )["data"]["webhookSubscriptionCreate"]
    assert created["userErrors"] == []
    variant = _variant(store, policy="DENY", tracked=True)
    order_id = store.place_order("gu@example.com", [(variant["sku"], 1)])
    store.webhooks.wait_idle()
    assert len(_Receiver.received) == 2, "the failed delivery was not retried"
    (first_headers, first_body), (headers, body) = _Receiver.received
    assert (
        body == first_body
        and headers["X-Shopify-Webhook-Id"] == first_headers["X-Shopify-Webhook-Id"]
    )
    expected = base64.b64encode(
        hmac.new(store.app_secret.encode(), body, hashlib.sha256).digest()
    ).decode()
    assert hmac.compare_digest(headers["X-Shopify-Hmac-Sha256"], expected)
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == "sandbox-shop.myshopify.com"
    assert json.loads(body)["admin_graphql_api_id"] == order_id


def test_faults_come_as_shopify_sends_them(store: ShopifySandbox) -> None:
    url = f"{store.base_url}/admin/api/2026-10/graphql.json"
    headers = {"X-Shopify-Access-Token": store.access_token}
    body = {"query": "{ shop { name } }"}
    store.faults.inject("429")
    limited = requests.post(url, json=body, headers=headers, timeout=5)
    assert limited.status_code == 429 and float(limited.headers["Retry-After"]) > 0
    store.faults.inject("throttled")
    throttled = requests.post(url, json=body, headers=headers, timeout=5)
    assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    store.faults.inject("truncate")
    with pytest.raises(ValueError):
        requests.post(url, json=body, headers=headers, timeout=5).json()
    store.faults.inject("reset")
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json=body, headers=headers, timeout=5)
    store.faults.inject("503")
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 503
    assert [e.fault for e in store.log.entries()] == [
        "429",
        "throttled",
        "truncate",
        "reset",
        "503",
    ]


def test_the_control_api_over_http(store: ShopifySandbox) -> None:
    base = f"{store.base_url}/__sandbox"
    variant = _variant(store, policy="CONTINUE", tracked=True)
    placed = requests.post(
        f"{base}/place_order",
        json={"email": "ha@example.com", "lines": [[variant["sku"], 2]]},
        timeout=5,
    )
    order_id = placed.json()["id"]
    requests.post(f"{base}/receive_stock", json={"sku": variant["sku"], "quantity": 10}, timeout=5)
    requests.post(f"{base}/cancel_order", json={"id": order_id}, timeout=5)
    state = requests.get(f"{base}/state", timeout=5).json()
    assert state["orders"][order_id]["cancelled"] is True
    assert (
        state["variants"][
            next(k for k, v in state["variants"].items() if v["sku"] == variant["sku"])
        ]["available"]
        == variant["available"] + 10
    )
    refused = requests.post(
        f"{base}/place_order", json={"email": "x@example.com", "lines": [["NOPE", 1]]}, timeout=5
    )
    assert refused.status_code == 400
    assert (
        requests.get(f"{base}/credentials", timeout=5).json()["access_token"].startswith("shpat_")
    )


def test_an_order_edit_moves_stock_back_and_shrinks_the_fulfillment_order(
    store: ShopifySandbox,
) -> None:
    variant = _variant(store, policy="CONTINUE", tracked=True)
    order_id = store.place_order("ivy@example.com", [(variant["sku"], 3)])
    store.edit_order_line(order_id, variant["sku"], 1)
    after = _variant(store, sku=variant["sku"])
    assert (after["available"], after["committed"]) == (
        variant["available"] - 1,
        variant["committed"] + 1,
    )
    order = store.state()["orders"][order_id]
    assert [line["quantity"] for line in order["lines"].values()] == [1]
    assert [list(f["lines"].values()) for f in order["fulfillment_orders"].values()] == [[1]]
    with pytest.raises(ValueError, match="no line"):
        store.edit_order_line(order_id, "NOT-THERE", 1)


STATUS = "query($id: ID!) { order(id: $id) { displayFulfillmentStatus } }"


def test_an_order_is_on_hold_only_when_every_unfulfilled_item_is(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    in_stock = _variant(store, policy="DENY", tracked=True)
    backordered = _variant(store, policy="CONTINUE", tracked=True)
    order_id = store.place_order("fay@example.com", [(in_stock["sku"], 1), (backordered["sku"], 1)])
    fos = gql(FO, {"id": order_id})["data"]["order"]["fulfillmentOrders"]["nodes"]
    line = next(
        i for i in fos[0]["lineItems"]["nodes"] if i["lineItem"]["sku"] == backordered["sku"]
    )
    hold = {
        "reason": "INVENTORY_OUT_OF_STOCK",
        "handle": "bc-part",
        "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 1}],
    }
    result = gql(HOLD, {"id": fos[0]["id"], "hold": hold})["data"]["fulfillmentOrderHold"]
    assert result["userErrors"] == []

    def status() -> str:
        return str(gql(STATUS, {"id": order_id})["data"]["order"]["displayFulfillmentStatus"])

    # The in-stock line can still ship: Shopify calls the order UNFULFILLED, not ON_HOLD.
    assert status() == "UNFULFILLED"
    rest = result["remainingFulfillmentOrder"]["id"]
    whole = {"reason": "OTHER", "handle": "merchant"}
    assert (
        gql(HOLD, {"id": rest, "hold": whole})["data"]["fulfillmentOrderHold"]["userErrors"] == []
    )
    assert status() == "ON_HOLD"


def test_a_shop_with_five_locations_spreads_each_items_stock_over_five_levels(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    store.data.locations = 5
    query = """{ productVariants(first: 20) { nodes { id inventoryQuantity inventoryItem { tracked
      inventoryLevels(first: 10) { nodes { location { id }
        quantities(names: ["available", "committed"]) { name quantity } } } } } } }"""
    shop = store.state()["variants"]
    for node in gql(query)["data"]["productVariants"]["nodes"]:
        levels = node["inventoryItem"]["inventoryLevels"]["nodes"]
        if not node["inventoryItem"]["tracked"]:
            assert levels == []
            continue
        assert len({level["location"]["id"] for level in levels}) == 5
        for name in ("available", "committed"):
            total = sum(
                q["quantity"] for lv in levels for q in lv["quantities"] if q["name"] == name
            )
            assert total == shop[node["id"]][name]
        assert node["inventoryQuantity"] == shop[node["id"]]["available"]
