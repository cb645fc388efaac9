"""Real Shopify answers (tests/fixtures/shopify/real) through the adapter, with `responses`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from adapters.shopify import ShopifyAdapter
from adapters.shopify.mapping import map_product, map_variant
from connector.clock import FrozenClock
from connector.errors import AuthError, PlatformFatal, PlatformRetryable
from connector.model import ChangeKind, InventoryPolicy, Platform, StorefrontChange, WriteStatus
from connector.platform import ResyncTarget
from connector.settings import Secret, ShopSettings
from connector.signing import sign

REAL = Path(__file__).parents[2] / "fixtures" / "shopify" / "real"
SHOP = "https://real-shop.myshopify.com"
ENDPOINT = f"{SHOP}/admin/api/2026-10/graphql.json"


def load(name: str) -> Any:
    return json.loads((REAL / name).read_text())


def adapter(clock: FrozenClock, **changes: Any) -> ShopifyAdapter:
    """An adapter for the captured shop ``real-shop`` that never really sleeps; ``changes`` win."""
    options: dict[str, Any] = {"max_retries": 3, **changes}
    settings = ShopSettings(
        name="real",
        platform=Platform.SHOPIFY,
        url="real-shop",
        access_token=Secret("shpat_test"),
        client_secret=Secret("hush"),
        **options,
    )
    return ShopifyAdapter(settings, clock=clock, sleep=lambda seconds: None)


def test_the_real_product_payload_maps_to_a_product() -> None:
    node = load("01_products/bcapps_product_details.json")["data"]["product"]
    product = map_product("real", {**node, "id": "gid://shopify/Product/1"})
    assert product.title == "Test Product"
    assert product.tags == frozenset({"Test1", "Test2", "Test3"})
    assert product.status == "active"
    assert product.updated_at.isoformat() == "2025-07-09T07:45:38+00:00"


def test_the_real_variant_payload_maps_to_a_variant_with_a_null_sku() -> None:
    node = load("01_products/bcapps_productVariant_detail.json")["data"]["productVariant"]
    variant = map_variant("real", {**node, "id": "gid://shopify/ProductVariant/2"}, "USD")
    assert variant.inventory_policy is InventoryPolicy.DENY
    assert variant.sku == ""
    assert variant.tracked is False and variant.available == 0
    assert str(variant.price.amount) == "99.99"
    assert variant.product_id == "gid://shopify/Product/{{ProductId}}"


@pytest.mark.parametrize(
    "name",
    [
        "01_products/bcapps_product_details.json",
        "01_products/bcapps_product_variant_ids_page.json",
        "01_products/kp_product_minimal_cost_1000_50.json",
        "04_errors/bcapps_shop_plan_cost_2000_100.json",
        "03_fulfillment_orders/bcapps_order_fulfillmentOrder_ids.json",
    ],
)
@responses.activate
def test_cost_extensions_in_ints_or_floats_are_read(name: str, clock: FrozenClock) -> None:
    payload = load(name)
    responses.post(ENDPOINT, json=payload)
    shop = adapter(clock)
    data = shop.client.execute("{ shop { name } }", {}, key="probe")
    assert data == payload["data"]
    status = payload["extensions"]["cost"]["throttleStatus"]
    assert shop.client.throttle is not None
    assert shop.client.throttle.maximum == float(status["maximumAvailable"])
    assert shop.client.throttle.restore_rate == float(status["restoreRate"])
    assert shop.usage.cost == payload["extensions"]["cost"]["actualQueryCost"]


@responses.activate
def test_a_deleted_variant_answers_null_and_fetch_finds_nothing(clock: FrozenClock) -> None:
    responses.post(ENDPOINT, json={"data": {"nodes": [None]}, "extensions": {}})
    page = adapter(clock).fetch(ResyncTarget(order_ids=("gid://shopify/Order/1",)))
    assert page.orders == () and page.skipped == ()


@responses.activate
def test_internal_server_error_is_retried_then_raised_with_its_request_id(
    clock: FrozenClock,
) -> None:
    body = load("04_errors/kp_internal_server_error.json")
    responses.post(ENDPOINT, json=body, headers={"X-Request-Id": "req-123"})
    shop = adapter(clock)
    with pytest.raises(PlatformRetryable) as caught:
        shop.client.execute("{ shop { name } }", {}, key="x")
    assert caught.value.details.request_id == "req-123"
    assert caught.value.details.code == "INTERNAL_SERVER_ERROR"
    assert len(responses.calls) == 3 and shop.usage.retries == 2


@responses.activate
def test_an_invalid_variable_is_fatal_at_once(clock: FrozenClock) -> None:
    responses.post(ENDPOINT, json=load("04_errors/kp_variable_invalid_input_error.json"))
    with pytest.raises(PlatformFatal, match="invalid value"):
        adapter(clock).client.execute("{ shop { name } }", {}, key="x")
    assert len(responses.calls) == 1


@responses.activate
def test_a_query_error_with_cost_is_fatal(clock: FrozenClock) -> None:
    responses.post(ENDPOINT, json=load("04_errors/shopify_app_js_query_error_with_cost.mock.json"))
    with pytest.raises(PlatformFatal, match="first or last"):
        adapter(clock).client.execute("{ shop { name } }", {}, key="x")


@responses.activate
def test_metafields_set_user_errors_fail_their_items_only(clock: FrozenClock) -> None:
    state = {
        "data": {
            "nodes": [
                {
                    "id": f"gid://shopify/ProductVariant/{i}",
                    "inventoryPolicy": "DENY",
                    "product": {"id": "gid://shopify/Product/1"},
                    "etaLabel": None,
                    "etaDate": None,
                }
                for i in (1, 2, 3)
            ]
        }
    }
    responses.post(ENDPOINT, json=state)
    responses.post(ENDPOINT, json=load("05_user_errors/kp_metafieldsSet_multiple_userErrors.json"))
    responses.post(ENDPOINT, json={"data": {"metafieldsSet": {"metafields": [], "userErrors": []}}})
    changes = [
        StorefrontChange(
            "real",
            ChangeKind.ETA,
            "gid://shopify/Product/1",
            f"gid://shopify/ProductVariant/{i}",
            eta_label=f"Week {i}",
        )
        for i in (1, 2, 3)
    ]
    results = adapter(clock).apply_storefront(changes)
    # The real answer names metafields 0 and 1: those two fail, the third is resent alone.
    assert [r.status for r in results] == [WriteStatus.FAILED, WriteStatus.FAILED, WriteStatus.DONE]
    assert "provided choices" in results[0].message
    resent = json.loads(responses.calls[2].request.body or b"")["variables"]["metafields"]
    assert [m["ownerId"] for m in resent] == ["gid://shopify/ProductVariant/3"]


@responses.activate
def test_client_credentials_token_is_asked_for_and_sent(clock: FrozenClock) -> None:
    responses.post(
        f"{SHOP}/admin/oauth/access_token",
        json=load("08_auth/client_credentials_token.shopify_app_js.mock.json"),
    )
    responses.post(ENDPOINT, json=load("04_errors/bcapps_shop_plan_cost_2000_100.json"))
    shop = ShopifyAdapter(
        ShopSettings(
            name="cc",
            platform=Platform.SHOPIFY,
            url="real-shop",
            client_id="id",
            client_secret=Secret("secret"),
        ),
        clock=clock,
        sleep=lambda s: None,
    )
    shop.client.execute("{ shop { name } }", {}, key="x")
    grant = json.loads(responses.calls[0].request.body or b"")
    assert grant == {
        "client_id": "id",
        "client_secret": "secret",
        "grant_type": "client_credentials",
    }
    assert responses.calls[1].request.headers["X-Shopify-Access-Token"] == "some_access_token"


@responses.activate
def test_refused_client_credentials_are_an_auth_error(clock: FrozenClock) -> None:
    responses.post(
        f"{SHOP}/admin/oauth/access_token",
        json=load("08_auth/client_credentials_token_error_400.shopify_app_js.mock.json"),
        status=400,
    )
    shop = ShopifyAdapter(
        ShopSettings(
            name="cc",
            platform=Platform.SHOPIFY,
            url="real-shop",
            client_id="id",
            client_secret=Secret("bad"),
        ),
        clock=clock,
        sleep=lambda s: None,
    )
    with pytest.raises(AuthError, match="Client authentication failed"):
        shop.client.execute("{ shop { name } }", {}, key="x")


def test_the_real_webhook_headers_are_the_ones_read(clock: FrozenClock) -> None:
    example = load("07_webhooks/webhook_headers.shopify_app_js.json")
    body = json.dumps(
        {
            "id": 788032119674292922,
            "admin_graphql_api_id": "gid://shopify/Product/788032119674292922",
        }
    ).encode()
    headers = {**example["required"], "X-Shopify-Hmac-Sha256": sign("hush", body)}
    event = adapter(clock).parse_webhook(headers, body)
    assert event.topic == "products/create"
    assert event.dedupe_key == "123456789"
    assert event.target.product_ids == ("gid://shopify/Product/788032119674292922",)
    with pytest.raises(AuthError):
        adapter(clock).parse_webhook(example["required"], body)  # "fake" signature


@responses.activate
def test_an_order_that_does_not_fit_is_skipped_with_its_reason(clock: FrozenClock) -> None:
    good: dict[str, Any] = {
        "id": "gid://shopify/Order/1",
        "name": "#1001",
        "email": "ann@example.com",
        "createdAt": "2026-11-20T10:00:00Z",
        "updatedAt": "2026-11-20T10:05:00Z",
        "cancelledAt": None,
        "closed": False,
        "displayFulfillmentStatus": "UNFULFILLED",
        "currencyCode": "EUR",
        "customerLocale": "sv",
        "note": None,
        "tags": ["VIP"],
        "customer": {
            "id": "gid://shopify/Customer/9",
            "displayName": "Ann",
            "locale": "sv",
            "tags": [],
            "defaultEmailAddress": None,
        },
        "lineItems": {
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/5",
                    "title": "Oak Sofa",
                    "sku": "SOFA-1",
                    "quantity": 3,
                    "currentQuantity": 2,
                    "unfulfilledQuantity": 1,
                    "variant": {"id": "gid://shopify/ProductVariant/7"},
                    "sellingPlan": {"name": "Pre-order"},
                    "originalUnitPriceSet": {
                        "shopMoney": {"amount": "1299.00", "currencyCode": "EUR"}
                    },
                }
            ],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
    }
    broken = {**good, "id": "gid://shopify/Order/2", "updatedAt": "yesterday"}
    responses.post(
        ENDPOINT, json={"data": {"productVariantsCount": {"count": 1}, "ordersCount": {"count": 2}}}
    )
    responses.post(
        ENDPOINT,
        json={
            "data": {
                "orders": {
                    "nodes": [good, broken],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        },
    )
    [page] = list(
        adapter(clock).read_changes(
            __import__("connector.platform", fromlist=["Resource"]).Resource.ORDERS, None
        )
    )
    [order] = page.orders
    assert (
        order.number == "#1001"
        and order.customer.email == "ann@example.com"
        and order.locale == "sv"
    )
    [line] = order.lines
    # 3 ordered, 1 removed (currentQuantity 2), 1 shipped (unfulfilledQuantity 1): 1 still to ship.
    assert (line.quantity, line.fulfilled, line.cancelled, line.preorder) == (3, 1, 1, True)
    assert line.open_quantity == 1
    assert str(line.price.amount) == "1299.00" and line.price.currency == "EUR"
    [skip] = page.skipped
    assert skip.platform_id == "gid://shopify/Order/2" and "updatedAt" in skip.reason
    assert page.cursor is not None
