"""The sandbox answers like Shopify's Admin GraphQL API: shapes, auth, validation, paging, search."""

from __future__ import annotations

from datetime import timedelta

import requests

from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL


def test_a_plain_requests_post_gets_a_shopify_shaped_answer_with_cost(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    answer = gql("{ shop { name currencyCode } products(first: 2) { nodes { id title } } }")
    assert answer["data"]["shop"] == {"name": "Sandbox Shop", "currencyCode": "USD"}
    assert answer["data"]["products"]["nodes"][0]["id"].startswith("gid://shopify/Product/")
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] >= cost["actualQueryCost"] > 0
    assert cost["throttleStatus"]["maximumAvailable"] == 2000
    assert cost["throttleStatus"]["restoreRate"] == 100


def test_a_missing_or_wrong_token_gets_shopifys_401(store: ShopifySandbox) -> None:
    url = f"{store.base_url}/admin/api/2026-10/graphql.json"
    for headers in ({}, {"X-Shopify-Access-Token": "shpat_wrong"}):
        answer = requests.post(url, json={"query": "{ shop { name } }"}, headers=headers, timeout=5)
        assert answer.status_code == 401
        assert answer.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


def test_an_unknown_field_fails_validation(gql: GraphQL) -> None:
    answer = gql("{ shop { name inventedField } }")
    assert "data" not in answer
    assert "Cannot query field 'inventedField' on type 'Shop'" in answer["errors"][0]["message"]


def test_pages_walk_every_product_once_and_refuse_more_than_250(gql: GraphQL) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = gql(
            "query($after: String) { products(first: 5, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )["data"]["products"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 12
    too_many = gql("{ products(first: 251) { nodes { id } } }")
    assert "between 0 and 250" in too_many["errors"][0]["message"]
    no_size = gql("{ products { nodes { id } } }")
    assert no_size["errors"][0]["message"] == "you must provide one of first or last"


def test_search_by_updated_at_sku_and_status(store: ShopifySandbox, gql: GraphQL) -> None:
    store.advance_clock(timedelta(hours=1))
    sku = next(iter(store.state()["variants"].values()))["sku"]
    store.receive_stock(sku, 5)
    query = "query($q: String) { productVariants(first: 50, query: $q) { nodes { sku } } }"
    changed = gql(query, {"q": "updated_at:>'2026-11-20T12:30:00Z'"})["data"]["productVariants"]
    assert [n["sku"] for n in changed["nodes"]] == [sku]
    same = gql(query, {"q": "updated_at:>='2026-11-20T13:00:00Z'"})["data"]["productVariants"]
    assert [n["sku"] for n in same["nodes"]] == [sku]
    by_sku = gql(query, {"q": f"sku:{sku}"})["data"]["productVariants"]["nodes"]
    assert by_sku == [{"sku": sku}]
    orders = gql(
        '{ orders(first: 50, query: "status:open", sortKey: UPDATED_AT) { nodes { id } } }'
    )
    assert len(orders["data"]["orders"]["nodes"]) == len(store.state()["orders"])


def test_a_query_above_1000_points_is_refused_with_max_cost_exceeded(gql: GraphQL) -> None:
    answer = gql("{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }")
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["maxCost"] == 1000
    assert answer["extensions"]["cost"]["actualQueryCost"] is None


def test_an_empty_bucket_answers_throttled_in_a_200_then_succeeds_after_the_restore_time(
    shop_clock: object,
) -> None:
    from connector.clock import FrozenClock

    assert isinstance(shop_clock, FrozenClock)
    query = "{ products(first: 40) { nodes { id title } } }"
    with ShopifySandbox(
        None,
        clock=shop_clock,
        bucket_size=100,
        restore_rate=10,
        bucket_time=lambda: shop_clock().timestamp(),
    ) as store:
        url = f"{store.base_url}/admin/api/2026-10/graphql.json"
        headers = {"X-Shopify-Access-Token": store.access_token}
        first = requests.post(url, json={"query": query}, headers=headers, timeout=5).json()
        assert first["extensions"]["cost"]["requestedQueryCost"] == 42
        store.bucket.take(store.bucket.available())  # someone else spent the bucket
        throttled = requests.post(url, json={"query": query}, headers=headers, timeout=5)
        assert throttled.status_code == 200
        assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert throttled.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0
        shop_clock.advance(timedelta(seconds=4.3))  # 43 points restored at 10/s
        again = requests.post(url, json={"query": query}, headers=headers, timeout=5).json()
        assert "errors" not in again
        assert again["data"]["products"] == {"nodes": []}


def test_userErrors_for_bad_input(store: ShopifySandbox, gql: GraphQL) -> None:  # noqa: N802
    product = gql("{ products(first: 1) { nodes { id variants(first: 1) { nodes { id } } } } }")[
        "data"
    ]["products"]["nodes"][0]
    mutation = """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $p, variants: $v) { userErrors { field message code } } }"""
    unknown = gql(mutation, {"p": "gid://shopify/Product/999999", "v": []})
    assert (
        unknown["data"]["productVariantsBulkUpdate"]["userErrors"][0]["code"]
        == "PRODUCT_DOES_NOT_EXIST"
    )
    too_many = [{"id": product["variants"]["nodes"][0]["id"], "inventoryPolicy": "DENY"}] * 251
    answer = gql(mutation, {"p": product["id"], "v": too_many})
    assert (
        "greater than the maximum allowed of 250"
        in answer["data"]["productVariantsBulkUpdate"]["userErrors"][0]["message"]
    )
    meta = gql(
        'mutation { metafieldsSet(metafields: [{ownerId: "gid://shopify/ProductVariant/1", namespace: "x", key: "y", value: "z", type: "single_line_text_field"}]) { userErrors { field message code elementIndex } } }'
    )
    assert meta["data"]["metafieldsSet"]["userErrors"][0]["field"] == ["metafields", "0", "ownerId"]


def test_search_compares_timestamps_in_whole_seconds_as_shopify_keeps_them() -> None:
    # Shopify answers `updatedAt` in whole seconds and searches by them: a change at 12:00:00.7
    # is `updated_at:<='12:00:00'`, not `>`. The sandbox's clock may run finer.
    from datetime import UTC, datetime

    from connector.sandbox.shopify.search import matches, parse_query

    moment = datetime(2026, 11, 20, 12, 0, 0, 700_000, tzinfo=UTC)
    stamp = "2026-11-20T12:00:00Z"

    def holds(query: str) -> bool:
        return matches(parse_query(query), lambda field: moment)

    assert not holds(f"updated_at:>'{stamp}'")
    assert holds(f"updated_at:<='{stamp}'") and holds(f"updated_at:>='{stamp}'")
    assert holds(f"updated_at:>='2026-11-20T11:55:00Z' AND updated_at:<='{stamp}'")
