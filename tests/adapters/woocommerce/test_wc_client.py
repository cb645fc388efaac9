"""The transport and reads over `responses`, answering with real WooCommerce payloads."""

from __future__ import annotations

import json
import logging
import re

import pytest
import responses

from adapters.woocommerce import WooCommerceAdapter
from connector.errors import AuthError, PermissionDenied, PlatformItemError, RetryableError
from connector.model import OrderAction, OrderActionKind, Platform, WriteStatus
from connector.platform import Resource
from connector.settings import Secret, ShopSettings
from tests.adapters.woocommerce.wc_fixtures import real

SECRET = "cs_top_secret_value_0123456789"


def settings(url: str = "https://shop.example") -> ShopSettings:
    return ShopSettings(
        name="woo",
        platform=Platform.WOOCOMMERCE,
        url=url,
        consumer_key=Secret("ck_public_key"),
        consumer_secret=Secret(SECRET),
        webhook_secret=Secret("held-secret-123"),
        currency="EUR",
        requests_per_second=0,
        max_retries=3,
    )


def adapter(url: str = "https://shop.example") -> WooCommerceAdapter:
    return WooCommerceAdapter(settings(url), sleep=lambda _s: None)


def reply(name: str) -> dict[str, object]:
    captured = real(name)
    headers = {k: v for k, v in captured["headers"].items() if k.startswith(("X-WP", "Link"))}
    return {"json": captured["body"], "status": captured["status"], "headers": headers}


PRODUCTS = re.compile(r"https://shop\.example/wp-json/wc/v3/products(\?.*)?$")
ACROSS = re.compile(r"https://shop\.example/wp-json/wc/v3/variations(\?.*)?$")
"""``/variations`` (WooCommerce 10.3+); the captures come from a 7.9 store, which has no such
route: it answers what WordPress answers for any unknown route (captured)."""


@responses.activate
def test_full_product_sync_reads_variations_per_parent_with_basic_auth() -> None:
    responses.get(PRODUCTS, **reply("products_list_orderby_modified_desc.json"))
    responses.get(ACROSS, **reply("error_404_unknown_route.json"))
    responses.get(
        "https://shop.example/wp-json/wc/v3/products/15/variations",
        **reply("variations_list_tee_after_orders.json"),
    )
    responses.get(
        "https://shop.example/wp-json/wc/v3/products/19/variations",
        **reply("variations_list_hoodie_after_orders.json"),
    )
    pages = list(adapter().read_changes(Resource.PRODUCTS, None))
    variants = {v.sku: v for page in pages for v in page.variants}
    assert variants["WR-TEE-S"].product_id == "15"
    assert variants["WR-HOODIE-RED"].available == -2
    assert pages[-1].cursor
    first = responses.calls[0].request
    assert first.headers["Authorization"].startswith("Basic ")
    first_url = str(first.url)
    assert "orderby=modified" in first_url and "dates_are_gmt=true" in first_url
    assert SECRET not in first_url
    asked = [str(c.request.url) for c in responses.calls]
    assert sum("/wc/v3/variations" in url for url in asked) == 1  # asked once, then per parent


@responses.activate
def test_plain_http_is_signed_with_oauth_and_the_secret_stays_out_of_the_url() -> None:
    responses.get(re.compile(r"http://shop\.example/wp-json/wc/v3/orders.*"), json=[])
    list(adapter("http://shop.example").read_changes(Resource.ORDERS, None))
    url = str(responses.calls[0].request.url)
    assert "oauth_signature=" in url and "oauth_consumer_key=ck_public_key" in url
    assert SECRET not in url
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_refused_credentials_are_an_auth_error_without_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    responses.get(PRODUCTS, **reply("error_401_basic_wrong_credentials_https.json"))
    with pytest.raises(AuthError) as caught:
        list(adapter().read_changes(Resource.PRODUCTS, None))
    assert "woocommerce_rest_cannot_view" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in caplog.text


@responses.activate
def test_a_read_only_key_writing_is_a_permission_error() -> None:
    responses.post(
        "https://shop.example/wp-json/wc/v3/products/batch",
        **reply("error_401_read_only_key_write.json"),
    )
    with pytest.raises(PermissionDenied):
        adapter().client.post("products/batch", {})


@responses.activate
def test_bad_parameters_are_an_item_error_with_woocommerces_code() -> None:
    responses.get(PRODUCTS, **reply("error_400_per_page_101.json"))
    with pytest.raises(PlatformItemError) as caught:
        adapter().client.get("products", {"per_page": 101})
    assert caught.value.details.code == "rest_invalid_param"
    assert caught.value.details.status == 400


@responses.activate
def test_truncated_json_and_5xx_are_retried() -> None:
    body = real("orders_list_modified_after.json")["body"]
    url = re.compile(r"https://shop\.example/wp-json/wc/v3/orders.*")
    responses.get(url, body='[{"id": 30, "status": "proc', status=200)
    responses.get(url, json={"code": "x", "message": "down", "data": {"status": 503}}, status=503)
    responses.get(url, json=body, status=200)
    woo = adapter()
    orders = [o for page in woo.read_changes(Resource.ORDERS, None) for o in page.orders]
    assert {o.platform_id for o in orders} == {"30", "28"}
    assert woo.usage.retries == 2


@responses.activate
def test_a_payload_that_does_not_fit_is_skipped_with_its_reason() -> None:
    body = real("orders_list_modified_after.json")["body"]
    broken = {**body[0], "status": "made-up-status"}
    responses.get(
        re.compile(r"https://shop\.example/wp-json/wc/v3/orders.*"), json=[broken, body[1]]
    )
    [page] = list(adapter().read_changes(Resource.ORDERS, None))
    assert [o.platform_id for o in page.orders] == ["28"]
    assert page.skipped[0].platform_id == "30"
    assert "made-up-status" in page.skipped[0].reason


def test_a_network_failure_over_plain_http_logs_no_consumer_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A port nobody listens on: requests' ConnectionError names the whole signed URL, whose
    # query carries oauth_consumer_key; the retry log line must not repeat it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.DEBUG)
    woo = adapter(f"http://127.0.0.1:{port}")
    with pytest.raises(RetryableError) as caught:
        woo.client.get("orders", {"per_page": 1})
    assert woo.usage.retries == 2
    for text in (caplog.text, str(caught.value)):
        assert "ck_public_key" not in text and "oauth_signature" not in text and SECRET not in text
    assert "ConnectionError" in caplog.text


ORDERS_BATCH = "https://shop.example/wp-json/wc/v3/orders/batch"


def tag_both_orders(batch_answer: object) -> list[tuple[WriteStatus, str, bool]]:
    """Tag order 23 and a row claiming id 999999; WooCommerce answers the meta batch as given."""
    order = real("order_get_mixed.json")["body"]
    responses.get(
        re.compile(r"https://shop\.example/wp-json/wc/v3/orders\?.*"),
        json=[order, {**order, "id": 999999}],
    )
    responses.post(ORDERS_BATCH, json=batch_answer)
    actions = [
        OrderAction("woo", OrderActionKind.ADD_TAGS, oid, tags=("backorder",))
        for oid in ("23", "999999")
    ]
    return [(r.status, r.message, r.retryable) for r in adapter().apply_order_actions(actions)]


@responses.activate
def test_an_item_refused_inside_a_batch_fails_alone_with_woocommerces_message() -> None:
    real_answer = real("orders_batch_update_with_invalid_items.json")["body"]["update"]
    results = tag_both_orders({"update": real_answer[:2]})
    refused = "Invalid ID. (woocommerce, HTTP 400, woocommerce_rest_shop_order_invalid_id)"
    assert results == [(WriteStatus.DONE, "", False), (WriteStatus.FAILED, refused, False)]
    sent = json.loads(responses.calls[1].request.body)
    assert [u["id"] for u in sent["update"]] == [23, 999999]
    assert sent["update"][0]["meta_data"] == [{"key": "_bc_tags", "value": '["backorder"]'}]


@responses.activate
def test_a_batch_answer_that_does_not_list_each_item_fails_every_item() -> None:
    results = tag_both_orders({"update": []})
    message = (
        "POST orders/batch: answer does not list each item (woocommerce, HTTP 200, batch_shape)"
    )
    assert results == [(WriteStatus.FAILED, message, False)] * 2


@responses.activate
def test_a_product_whose_variations_vanish_mid_sync_is_skipped_not_fatal() -> None:
    responses.get(PRODUCTS, **reply("products_list_orderby_modified_desc.json"))
    responses.get(ACROSS, **reply("error_404_unknown_route.json"))
    responses.get(
        "https://shop.example/wp-json/wc/v3/products/15/variations",
        json={"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID."},
        status=404,
    )
    responses.get(
        "https://shop.example/wp-json/wc/v3/products/19/variations",
        **reply("variations_list_hoodie_after_orders.json"),
    )
    pages = list(adapter().read_changes(Resource.PRODUCTS, None))
    skipped = [s for page in pages for s in page.skipped]
    assert [(s.resource, s.platform_id) for s in skipped] == [("product", "15")]
    assert "Invalid ID." in skipped[0].reason
    variants = {v.sku: v for page in pages for v in page.variants}
    assert "WR-HOODIE-RED" in variants and "WR-TEE-S" not in variants
    assert "15" not in {p.platform_id for page in pages for p in page.products}
