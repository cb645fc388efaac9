"""Requested cost up front, refunded down to the actual cost: the sandbox charges as Shopify does.

Shopify (shopify.dev "GraphQL Admin API rate limits"): before a query runs the bucket must hold its
requested cost; once it has run, the bucket is refunded the difference to its actual cost, which
counts what came back (a connection returning fewer nodes than asked, an object returned as null).
The numbers below are those of real answers kept in ``tests/fixtures/shopify/real/``.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL

# The query behind the real ``bcapps_product_variant_ids_page.json`` (microsoft/BCApps,
# ShpfyGQLVariantIds): requested 203 by the published formula, actual 4 for a product with one
# variant (1 product + 2 for the connection + 1 variant).
VARIANT_IDS = """query($id: ID!) { product(id: $id) { variants(first: 200) {
  pageInfo { hasNextPage } edges { cursor node { legacyResourceId updatedAt } } } } }"""

HOLD = """mutation($id: ID!, $hold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $hold) {
    fulfillmentHold { id handle }
    remainingFulfillmentOrder { id lineItems(first: 6) { nodes { id } } }
    userErrors { field message code } } }"""


def _cost(answer: dict[str, Any]) -> dict[str, Any]:
    cost: dict[str, Any] = answer["extensions"]["cost"]
    return cost


def _product_with(store: ShopifySandbox, variants: int) -> str:
    counts: dict[str, int] = {}
    for variant in store.state()["variants"].values():
        counts[variant["product_id"]] = counts.get(variant["product_id"], 0) + 1
    return next(p for p, n in counts.items() if n == variants)


def test_a_query_is_charged_its_requested_cost_and_refunded_down_to_what_came_back(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    # The shop's bucket runs on its frozen clock: nothing refills between the two reads.
    product = _product_with(store, 1)
    before = store.bucket.available()
    answer = gql(VARIANT_IDS, {"id": product})
    cost = _cost(answer)
    assert len(answer["data"]["product"]["variants"]["edges"]) == 1
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (203, 4)
    # throttleStatus is reported after the refund: only the actual cost left the bucket.
    assert cost["throttleStatus"]["currentlyAvailable"] == int(before - 4)


def test_a_connection_costs_two_plus_the_nodes_it_returned(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    counts = {}
    for variant in store.state()["variants"].values():
        counts[variant["product_id"]] = counts.get(variant["product_id"], 0) + 1
    product, many = max(counts.items(), key=lambda kv: kv[1])
    assert many > 1
    cost = _cost(gql(VARIANT_IDS, {"id": product}))
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (203, 1 + 2 + many)
    # A product that is not there: the null object costs nothing (at least 1 is charged).
    missing = _cost(gql(VARIANT_IDS, {"id": "gid://shopify/Product/999999999"}))
    assert (missing["requestedQueryCost"], missing["actualQueryCost"]) == (203, 1)


def test_the_bucket_must_hold_the_requested_cost_not_only_the_actual_one(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    product = _product_with(store, 1)
    store.bucket.take(store.bucket.available() - 100)  # 100 left: enough for 4, not for 203
    throttled = gql(VARIANT_IDS, {"id": product})
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert _cost(throttled)["actualQueryCost"] is None
    assert _cost(throttled)["throttleStatus"]["currentlyAvailable"] == 100  # nothing taken
    store.bucket.refund(103)
    answer = gql(VARIANT_IDS, {"id": product})
    assert "errors" not in answer
    assert _cost(answer)["throttleStatus"]["currentlyAvailable"] == 203 - 4


def test_a_query_that_fails_is_charged_what_it_requested(gql: GraphQL) -> None:
    # A real answer (shopify-app-js mock): "you must provide one of first or last", cost 2 / 2.
    answer = gql("{ products { nodes { id } } }")
    assert answer["data"] is None
    assert (_cost(answer)["requestedQueryCost"], _cost(answer)["actualQueryCost"]) == (2, 2)


def test_a_mutation_costs_10_plus_what_is_selected_below_its_payloads_fields(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    # Real answers: fulfillmentCreate selecting `fulfillment { id status } userErrors {...}`
    # cost 10 / 10; one selecting more requested 24 and, its fulfillment null, cost 10.
    create = """mutation($fo: ID!) { fulfillmentCreate(fulfillment: {
      lineItemsByFulfillmentOrder: [{fulfillmentOrderId: $fo}]}) {
      fulfillment { id status } userErrors { field message } } }"""
    refused = gql(create, {"fo": "gid://shopify/FulfillmentOrder/999999999"})
    assert refused["data"]["fulfillmentCreate"]["fulfillment"] is None
    assert (_cost(refused)["requestedQueryCost"], _cost(refused)["actualQueryCost"]) == (10, 10)

    variant = next(v for v in store.state()["variants"].values() if v["policy"] == "CONTINUE")
    order = store.place_order("cost@example.com", [(variant["sku"], 1)])
    fos = gql(
        "query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { id"
        " lineItems(first: 5) { nodes { id } } } } } }",
        {"id": order},
    )["data"]["order"]["fulfillmentOrders"]["nodes"]
    line = fos[0]["lineItems"]["nodes"][0]["id"]
    hold = {
        "reason": "INVENTORY_OUT_OF_STOCK",
        "handle": "bc-cost",
        "fulfillmentOrderLineItems": [{"id": line, "quantity": 1}],
    }
    # remainingFulfillmentOrder's lineItems(first: 6) is priced as in a query: 10 + 2 + 6.
    held = gql(HOLD, {"id": fos[0]["id"], "hold": hold})
    assert held["data"]["fulfillmentOrderHold"]["userErrors"] == []
    assert _cost(held)["requestedQueryCost"] == 18
    # The order's only line is held: nothing remains, so the connection below was never returned.
    assert held["data"]["fulfillmentOrderHold"]["remainingFulfillmentOrder"] is None
    assert _cost(held)["actualQueryCost"] == 10
