"""The rest of the real Shopify answers, each through the adapter path that meets its shape.

Bulk status polling, ``check()`` scopes, userErrors on writes, a variant Shopify answers as null, the
client-credentials request and cost extensions with and without a throttle status. Where our query
names a field differently (``bulkOperation`` where the capture has ``currentBulkOperation``), the
real object is moved under our name unchanged: the object is what is under test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from adapters.shopify import ShopifyAdapter
from connector.clock import FrozenClock
from connector.errors import PlatformRetryable
from connector.model import (
    ChangeKind,
    InventoryPolicy,
    OrderAction,
    OrderActionKind,
    Platform,
    StorefrontChange,
    WriteStatus,
)
from connector.platform import Resource, ResyncTarget
from connector.settings import Secret, ShopSettings
from tests.adapters.shopify.test_real_payloads import ENDPOINT, REAL, SHOP, load
from tests.adapters.shopify.test_real_payloads import adapter as real_adapter

BULK_FILE = (
    "https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/bulk-ops/result.jsonl"
)


def adapter(clock: FrozenClock, **changes: Any) -> ShopifyAdapter:
    # Fewer retries, and a bulk threshold the captured counts cross.
    return real_adapter(clock, **{"max_retries": 2, "bulk_threshold": 10, **changes})


def sent(call_index: int) -> dict[str, Any]:
    body = responses.calls[call_index].request.body or b"{}"
    result: dict[str, Any] = json.loads(body)
    return result


def _big_shop() -> None:
    responses.post(
        ENDPOINT,
        json={"data": {"productVariantsCount": {"count": 50}, "ordersCount": {"count": 50}}},
    )


def _bulk_started() -> None:
    created = load("06_bulk/bcapps_bulkOperationRunMutation_created.json")
    responses.post(
        ENDPOINT,
        json={
            "data": {"bulkOperationRunQuery": created["data"]["bulkOperationRunMutation"]},
            "extensions": created["extensions"],
        },
    )


def _no_collections() -> None:
    """A catalog's first bulk query (each product's collections) finding none: started, then
    completed with no objects and no file, as Shopify answers an empty result."""
    _bulk_started()
    responses.post(
        ENDPOINT,
        json={
            "data": {
                "bulkOperation": {
                    "id": "gid://shopify/BulkOperation/1",
                    "status": "COMPLETED",
                    "errorCode": None,
                    "objectCount": "0",
                    "url": None,
                }
            }
        },
    )


def _status(name: str, key: str, **override: Any) -> None:
    payload = load(name)
    responses.post(
        ENDPOINT,
        json={
            "data": {"bulkOperation": {**payload["data"][key], **override}},
            "extensions": payload["extensions"],
        },
    )


# ---- bulk operations ------------------------------------------------------------------------------


@responses.activate
def test_a_bulk_first_sync_polls_while_running_and_an_empty_result_is_an_empty_catalog(
    clock: FrozenClock,
) -> None:
    _big_shop()
    _no_collections()
    _bulk_started()
    _status("06_bulk/bcapps_currentBulkOperation_running.json", "currentBulkOperation")
    # The node(id:) capture selects no createdAt, and neither did the run: the snapshot's time
    # must still come from somewhere for the next incremental read to start from.
    _status("06_bulk/bcapps_node_bulkOperation_status.json", "node")
    pages = list(adapter(clock).read_changes(Resource.PRODUCTS, None))
    assert [(p.products, p.variants, p.skipped) for p in pages] == [((), (), ())]
    assert pages[-1].cursor is not None
    # Calls 1-2: the collections' bulk query (started, completed empty); then the catalog's.
    polled = [sent(i)["variables"].get("id") for i in (4, 5)]
    assert polled == ["gid://shopify/BulkOperation/%1"] * 2  # polls the operation it started
    assert len(responses.calls) == 6


@responses.activate
def test_a_completed_bulk_operation_with_objects_but_no_file_is_retried_not_an_empty_shop(
    clock: FrozenClock,
) -> None:
    _big_shop()
    _bulk_started()
    _status("06_bulk/bcapps_currentBulkOperation_completed.json", "currentBulkOperation")
    with pytest.raises(PlatformRetryable, match="16 objects"):
        list(adapter(clock).read_changes(Resource.ORDERS, None))


@responses.activate
def test_bulk_lines_that_are_not_variants_are_skipped_each_with_its_reason(
    clock: FrozenClock,
) -> None:
    _big_shop()
    _no_collections()
    _bulk_started()
    _status(
        "06_bulk/bcapps_currentBulkOperation_completed.json",
        "currentBulkOperation",
        url=BULK_FILE,
    )
    responses.get(BULK_FILE, body=(REAL / "06_bulk/bcapps_bulk_mutation_result.jsonl").read_bytes())
    [page] = list(adapter(clock).read_changes(Resource.PRODUCTS, None))
    assert page.products == () and page.variants == ()
    assert len(page.skipped) == 4  # every line kept, none silently dropped
    reasons = sorted(s.reason for s in page.skipped)
    assert reasons == [
        "line 2 has errors: This product is currently being modified. Please try again later.",
        "no product",
        "no product",
        "no product",
    ]
    assert any("TOO_MANY_PARALLEL_REQUESTS" in s.payload for s in page.skipped)
    assert page.cursor is not None


# ---- a variant Shopify answers as null ---------------------------------------------------------


@responses.activate
def test_a_null_variant_inside_a_product_is_skipped_with_a_reason(clock: FrozenClock) -> None:
    product = {
        **load("01_products/bcapps_product_details.json")["data"]["product"],
        "id": "gid://shopify/Product/1",
    }
    variant = {
        **load("01_products/bcapps_productVariant_detail.json")["data"]["productVariant"],
        "id": "gid://shopify/ProductVariant/2",
    }
    missing = load("01_products/bcapps_productVariant_missing_null.json")["data"]["productVariant"]
    product["variants"] = {"nodes": [variant, missing], "pageInfo": {"hasNextPage": False}}
    responses.post(ENDPOINT, json={"data": {"nodes": [product]}})
    page = adapter(clock).fetch(ResyncTarget(product_ids=("gid://shopify/Product/1",)))
    assert [p.title for p in page.products] == ["Test Product"]
    assert [v.platform_id for v in page.variants] == ["gid://shopify/ProductVariant/2"]
    [skip] = page.skipped
    assert skip.resource == "variant"
    assert skip.reason == "variant is null: deleted, or not visible to this app"


# ---- check(): scopes -----------------------------------------------------------------------------


def _shop_with_scopes(handles: list[dict[str, Any]]) -> None:
    shop = load("04_errors/bcapps_shop_plan_cost_2000_100.json")
    responses.post(
        ENDPOINT,
        json={
            "data": {
                "shop": {"name": "Real", "myshopifyDomain": "real-shop.myshopify.com"},
                "currentAppInstallation": {"accessScopes": handles},
            },
            "extensions": shop["extensions"],
        },
    )


@responses.activate
def test_check_reads_the_installations_access_scopes(clock: FrozenClock) -> None:
    installation = load("08_auth/shopify_app_js_app_installation_accessScopes.mock.json")
    _shop_with_scopes(installation["data"]["app"]["installation"]["accessScopes"])
    report = adapter(clock).check()
    assert not report.ok
    assert "read_orders" in report.granted and "write_customers" in report.granted
    assert "read_orders" not in report.missing and "write_orders" in report.missing
    assert "scope write_orders is missing: order tags and notes is off" in report.problems


@responses.activate
def test_check_counts_a_write_scope_as_its_read_scope_too(clock: FrozenClock) -> None:
    rest = load("08_auth/rest_oauth_access_scopes.python_api_fixture.json")
    _shop_with_scopes(rest["access_scopes"])
    report = adapter(clock).check()
    assert report.granted == ("read_orders", "read_products", "write_orders")
    assert "read_orders" not in report.missing and "write_orders" not in report.missing
    assert "read_inventory" in report.missing


@responses.activate
def test_the_client_credentials_request_is_the_one_shopify_documents(clock: FrozenClock) -> None:
    documented = load("08_auth/client_credentials_token_request.shopify_app_js.json")
    responses.post(
        f"{SHOP}/admin/oauth/access_token",
        json=load("08_auth/client_credentials_token.shopify_app_js.mock.json"),
    )
    responses.post(ENDPOINT, json=load("04_errors/bcapps_shop_plan_cost_2000_100.json"))
    settings = ShopSettings(
        name="cc",
        platform=Platform.SHOPIFY,
        url="real-shop",
        client_id="key",
        client_secret=Secret("secret"),
    )
    ShopifyAdapter(settings, clock=clock, sleep=lambda s: None).client.execute(
        "{ shop { name } }", {}, key="x"
    )
    request = responses.calls[0].request
    assert request.method == documented["method"]
    assert request.url == documented["url"].replace("{shop}", "real-shop")
    for name, value in documented["headers"].items():
        assert request.headers[name] == value
    assert sorted(sent(0)) == sorted(documented["body"])
    assert sent(0)["grant_type"] == documented["body"]["grant_type"]


# ---- userErrors on writes ---------------------------------------------------------------------------


def _policy_changes() -> list[StorefrontChange]:
    return [
        StorefrontChange(
            "real",
            ChangeKind.INVENTORY_POLICY,
            "gid://shopify/Product/1",
            f"gid://shopify/ProductVariant/{i}",
            policy=InventoryPolicy.CONTINUE,
        )
        for i in (1, 2)
    ]


def _variant_state() -> None:
    nodes = [
        {
            "id": f"gid://shopify/ProductVariant/{i}",
            "inventoryPolicy": "DENY",
            "product": {"id": "gid://shopify/Product/1"},
            "etaLabel": None,
            "etaDate": None,
        }
        for i in (1, 2)
    ]
    responses.post(ENDPOINT, json={"data": {"nodes": nodes}})


@pytest.mark.parametrize(
    ("name", "mutation", "message"),
    [
        (
            "05_user_errors/bcapps_inventorySetQuantities_userErrors.json",
            "inventorySetQuantities",
            "Concurrent request detected",
        ),
        (
            "05_user_errors/kp_metafieldDefinitionCreate_userError_TAKEN.json",
            "metafieldDefinitionCreate",
            "Key is in use",
        ),
    ],
)
@responses.activate
def test_user_errors_naming_no_variant_fail_the_whole_batch_with_shopifys_words(
    name: str, mutation: str, message: str, clock: FrozenClock
) -> None:
    errors = load(name)["data"][mutation]["userErrors"]
    _variant_state()
    responses.post(
        ENDPOINT,
        json={
            "data": {"productVariantsBulkUpdate": {"productVariants": None, "userErrors": errors}}
        },
    )
    results = adapter(clock).apply_storefront(_policy_changes())
    assert [r.status for r in results] == [WriteStatus.FAILED, WriteStatus.FAILED]
    assert all(message in r.message for r in results)


@responses.activate
def test_the_variables_sent_with_a_refused_inventory_write_are_valid_json(
    clock: FrozenClock,
) -> None:
    # The variables that drew the IDEMPOTENCY_CONCURRENT_REQUEST error above: an empty
    # quantities list, which our writes never send (we do not set stock, only the policy).
    variables = load("05_user_errors/bcapps_inventorySetQuantities_userErrors.variables.json")
    assert variables["input"]["quantities"] == []
    _variant_state()
    responses.post(
        ENDPOINT,
        json=load("05_user_errors/bcapps_productVariantsBulkCreate_success.json")
        | {"data": {"productVariantsBulkUpdate": {"productVariants": [], "userErrors": []}}},
    )
    results = adapter(clock).apply_storefront(_policy_changes())
    assert [r.status for r in results] == [WriteStatus.DONE, WriteStatus.DONE]
    assert "quantities" not in json.dumps(sent(1)["variables"])


def _order_with_one_open_fulfillment_order() -> None:
    fo_ids = load("03_fulfillment_orders/bcapps_order_fulfillmentOrder_ids.json")
    [fo] = fo_ids["data"]["order"]["fulfillmentOrders"]["nodes"]
    responses.post(
        ENDPOINT,
        json={
            "data": {
                "nodes": [
                    {
                        "id": "gid://shopify/Order/1",
                        "note": None,
                        "tags": [],
                        "cancelledAt": None,
                        "customer": None,
                        "fulfillmentOrders": {
                            "nodes": [
                                {
                                    **fo,
                                    "status": "OPEN",
                                    "fulfillmentHolds": [],
                                    "lineItems": {
                                        "nodes": [
                                            {
                                                "id": "gid://shopify/FulfillmentOrderLineItem/3",
                                                "remainingQuantity": 2,
                                                "lineItem": {"id": "gid://shopify/LineItem/5"},
                                            }
                                        ]
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
            "extensions": fo_ids["extensions"],
        },
    )


HOLD = OrderAction(
    "real",
    OrderActionKind.HOLD_LINES,
    "gid://shopify/Order/1",
    lines=(("gid://shopify/LineItem/5", 2),),
    hold_reason="INVENTORY_OUT_OF_STOCK",
    handle="bo-1",
)


@responses.activate
def test_a_hold_shopify_refuses_fails_with_its_user_error(clock: FrozenClock) -> None:
    refused = load("05_user_errors/bcapps_fulfillmentCreate_userErrors.json")
    _order_with_one_open_fulfillment_order()
    responses.post(
        ENDPOINT,
        json={
            "data": {
                "fulfillmentOrderHold": {
                    "fulfillmentHold": None,
                    "userErrors": refused["data"]["fulfillmentCreate"]["userErrors"],
                }
            },
            "extensions": refused["extensions"],
        },
    )
    [result] = adapter(clock).apply_order_actions([HOLD])
    assert result.status is WriteStatus.FAILED
    assert result.message == "Fulfillment order does not exist."
    hold = sent(1)["variables"]
    assert hold["id"] == "gid://shopify/FulfillmentOrder/7478691168318"
    assert hold["hold"]["fulfillmentOrderLineItems"] == [
        {"id": "gid://shopify/FulfillmentOrderLineItem/3", "quantity": 2}
    ]


@responses.activate
def test_a_hold_shopify_accepts_is_done(clock: FrozenClock) -> None:
    accepted = load("03_fulfillment_orders/bcapps_fulfillmentOrderAcceptFulfillmentRequest.json")
    fulfillment_order = accepted["data"]["fulfillmentOrderAcceptFulfillmentRequest"]
    _order_with_one_open_fulfillment_order()
    responses.post(
        ENDPOINT,
        json={
            "data": {
                "fulfillmentOrderHold": {
                    "fulfillmentHold": {"id": "gid://shopify/FulfillmentHold/1"},
                    "fulfillmentOrder": fulfillment_order["fulfillmentOrder"],
                    "userErrors": fulfillment_order["userErrors"],
                }
            }
        },
    )
    [result] = adapter(clock).apply_order_actions([HOLD])
    assert result.status is WriteStatus.DONE


# ---- cost extensions with and without a throttle status ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "throttled"),
    [
        ("05_user_errors/bcapps_fulfillmentCreate_success.json", True),
        ("06_bulk/bcapps_stagedUploadsCreate.json", False),
        ("03_fulfillment_orders/bcapps_fulfillmentOrderAcceptFulfillmentRequest.json", False),
    ],
)
@responses.activate
def test_answers_with_or_without_a_throttle_status_are_read(
    name: str, throttled: bool, clock: FrozenClock
) -> None:
    payload = load(name)
    responses.post(ENDPOINT, json=payload)
    shop = adapter(clock)
    assert shop.client.execute("mutation { x }", {}, key="probe") == payload["data"]
    cost = (payload.get("extensions") or {}).get("cost") or {}
    assert shop.usage.cost == cost.get("actualQueryCost", 0)
    assert (shop.client.throttle is not None) is throttled
    if throttled:
        assert shop.client.throttle is not None and shop.client.throttle.maximum == 2000.0
