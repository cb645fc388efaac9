"""Collections in the sandbox, as Shopify keeps them (see connector/sandbox/shopify/collections.py
and docs/shopify.md for the sources): custom and smart ones, a product's collections, what a change
by hand moves, the webhooks, the bulk file and the cost."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import requests

from adapters.shopify.documents import document
from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL

PRODUCT_COLLECTIONS = """
query($id: ID!) {
  product(id: $id) {
    updatedAt
    collections(first: 10) { nodes { legacyResourceId handle title } }
  }
}
"""

CHANGED = """
query($q: String) {
  collections(first: 25, query: $q, sortKey: UPDATED_AT) { nodes { id updatedAt } }
}
"""


def _product_of(store: ShopifySandbox, sku: str) -> str:
    variant = store.data.variants[store.data.by_sku[sku]]
    return f"gid://shopify/Product/{variant.product_id}"


def _skus(store: ShopifySandbox) -> list[str]:
    """One SKU of each product, in product order."""
    by_product = {v.product_id: v.sku for v in reversed(store.data.variants.values())}
    return [by_product[p] for p in sorted(by_product)]


def _subscribe(gql: GraphQL, topic: str) -> None:
    answer = gql(
        "mutation($t: WebhookSubscriptionTopic!) { webhookSubscriptionCreate(topic: $t, "
        'webhookSubscription: {uri: "http://127.0.0.1:9/hooks"}) { userErrors { message } } }',
        {"t": topic},
    )
    assert answer["data"]["webhookSubscriptionCreate"]["userErrors"] == []


def test_a_product_put_in_a_collection_by_hand_moves_the_collection_not_the_product(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    sku = _skus(store)[0]
    product = _product_of(store, sku)
    collection = store.create_collection("Garden Sofas")
    _subscribe(gql, "COLLECTIONS_UPDATE")
    before = gql(PRODUCT_COLLECTIONS, {"id": product})["data"]["product"]
    assert before["collections"]["nodes"] == []

    store.advance_clock(timedelta(minutes=5))
    store.add_to_collection("garden-sofas", sku)
    after = gql(PRODUCT_COLLECTIONS, {"id": product})["data"]["product"]
    number = collection.rsplit("/", 1)[1]
    assert after["collections"]["nodes"] == [
        {"legacyResourceId": number, "handle": "garden-sofas", "title": "Garden Sofas"}
    ]
    assert after["updatedAt"] == before["updatedAt"]  # the product did not move
    changed = gql(CHANGED, {"q": "updated_at:>'2026-11-20T12:01:00Z'"})["data"]["collections"]
    assert [n["id"] for n in changed["nodes"]] == [collection]  # the collection did
    assert changed["nodes"][0]["updatedAt"] == "2026-11-20T12:05:00Z"

    store.remove_from_collection("garden-sofas", sku)
    gone = gql(PRODUCT_COLLECTIONS, {"id": product})["data"]["product"]
    assert gone["collections"]["nodes"] == [] and gone["updatedAt"] == before["updatedAt"]

    # One collections/update per change, REST-shaped, naming the collection.
    store.webhooks.wait_idle()
    bodies = [json.loads(d.body) for d in store.webhooks.deliveries]
    assert [d.topic for d in store.webhooks.deliveries] == ["collections/update"] * 2
    assert {b["admin_graphql_api_id"] for b in bodies} == {collection}
    assert bodies[0]["handle"] == "garden-sofas"


def test_a_smart_collection_follows_its_rules_and_a_rule_change_moves_it(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    sku = _skus(store)[0]
    product = store.data.products[store.data.variants[store.data.by_sku[sku]].product_id]
    tag = product.tags[0]
    smart = store.create_collection("Tagged", rules=[("TAG", "EQUALS", tag.upper())])
    members = gql(
        "query($id: ID!) { collection(id: $id) { ruleSet { appliedDisjunctively rules "
        "{ column relation condition } } products(first: 250) { nodes { id } } } }",
        {"id": smart},
    )["data"]["collection"]
    assert members["ruleSet"]["rules"] == [
        {"column": "TAG", "relation": "EQUALS", "condition": tag.upper()}
    ]
    ids = {n["id"] for n in members["products"]["nodes"]}
    expected = {
        f"gid://shopify/Product/{p.id}" for p in store.data.products.values() if tag in p.tags
    }
    assert ids == expected and f"gid://shopify/Product/{product.id}" in ids
    # Putting a product in a smart collection by hand is refused (its rules decide).
    try:
        store.add_to_collection("tagged", _skus(store)[-1])
    except ValueError as error:
        assert "rules" in str(error)
    else:
        raise AssertionError("a smart collection took a product by hand")

    store.advance_clock(timedelta(minutes=1))
    store.set_collection_rules(smart, [("TAG", "EQUALS", "no-such-tag")])
    moved = gql(CHANGED, {"q": "updated_at:>'2026-11-20T12:00:30Z'"})["data"]["collections"]
    assert [n["id"] for n in moved["nodes"]] == [smart]


def test_the_bulk_file_has_each_collection_then_its_products_as_child_lines(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    skus = _skus(store)
    first = store.create_collection("Garden Sofas", skus=skus[:2])
    second = store.create_collection("Sale", skus=skus[1:3])
    answer = gql(
        "mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) "
        "{ bulkOperation { id } userErrors { message } } }",
        {"q": document("BulkCollections.bulk")},
    )["data"]["bulkOperationRunQuery"]
    assert answer["userErrors"] == []
    store.bulk.wait()
    status = gql(
        "query($id: ID!) { bulkOperation(id: $id) { status url } }",
        {"id": answer["bulkOperation"]["id"]},
    )["data"]["bulkOperation"]
    assert status["status"] == "COMPLETED"
    lines = [json.loads(line) for line in requests.get(status["url"], timeout=10).text.splitlines()]
    tops = [line for line in lines if "__parentId" not in line]
    assert [(t["id"], t["handle"]) for t in tops] == [(first, "garden-sofas"), (second, "sale")]
    children: dict[str, list[str]] = {}
    for line in lines:
        if "__parentId" in line:
            children.setdefault(line["__parentId"], []).append(line["id"])
    assert children == {
        first: [_product_of(store, s) for s in skus[:2]],
        second: [_product_of(store, s) for s in skus[1:3]],
    }
    # Grouped: each collection's product lines follow it, before the next collection.
    assert lines.index(tops[1]) > max(
        i for i, line in enumerate(lines) if line.get("__parentId") == first
    )


def test_a_products_collections_cost_two_plus_ten_requested_and_what_came_back_actual(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    sku = _skus(store)[0]
    store.create_collection("Garden Sofas", skus=[sku])
    answer: dict[str, Any] = gql(PRODUCT_COLLECTIONS, {"id": _product_of(store, sku)})
    cost = answer["extensions"]["cost"]
    # product 1 + collections 2 + 10 nodes of 1 requested; 1 + 2 + the 1 returned actual.
    assert cost["requestedQueryCost"] == 13
    assert cost["actualQueryCost"] == 4
