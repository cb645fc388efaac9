"""Bulk queries Shopify refuses, and how many may run at once (shopify.dev bulk-operations guide)."""

from __future__ import annotations

from typing import Any

from adapters.shopify.documents import document
from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL

RUN = (
    "mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) "
    "{ bulkOperation { id status } userErrors { field message code } } }"
)


def _run(gql: GraphQL, query: str) -> dict[str, Any]:
    result: dict[str, Any] = gql(RUN, {"q": query})["data"]["bulkOperationRunQuery"]
    return result


def test_three_levels_of_nested_connections_are_refused_with_user_errors(gql: GraphQL) -> None:
    # The guide's own example of what is refused: a connection three levels below the top one.
    # (products > variants > product > variants > metafields: variants is level 1, the
    # product's variants level 2, metafields level 3.)
    deep = (
        "{ products { edges { node { id variants { edges { node { id product { "
        "variants { edges { node { id metafields { edges { node { value } } } } } } } } } } } } } }"
    )
    answer = _run(gql, deep)
    assert answer["bulkOperation"] is None
    assert answer["userErrors"] == [
        {
            "field": ["query"],
            "message": "Invalid bulk query: Bulk queries cannot nest connections more than "
            "2 levels deep; this one nests 3.",
            "code": "INVALID",
        }
    ]


def test_six_connections_are_refused(gql: GraphQL) -> None:
    five = " ".join(f"v{n}: variants {{ edges {{ node {{ id }} }} }}" for n in range(5))
    many = "{ products { edges { node { id " + five + " } } } }"
    answer = _run(gql, many)
    assert answer["bulkOperation"] is None
    assert answer["userErrors"][0]["code"] == "INVALID"
    assert "more than 5 connections" in answer["userErrors"][0]["message"]


def test_two_nested_levels_run(store: ShopifySandbox, gql: GraphQL) -> None:
    # The guide's valid shape: products > variants (level 1) > a connection under it (level 2).
    ok = (
        "{ products { edges { node { id variants { edges { node { id inventoryItem { "
        "inventoryLevels { edges { node { id } } } } } } } } } } }"
    )
    answer = _run(gql, ok)
    assert answer["userErrors"] == [] and answer["bulkOperation"]["id"]
    store.bulk.wait()


def test_every_bulk_query_the_connector_sends_is_one_shopify_runs(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    for name in (
        "BulkCatalog.bulk",
        "BulkCollections.bulk",
        "BulkOrders.bulk",
        "BulkOrderChanges.bulk",
    ):
        answer = _run(gql, document(name))
        assert answer["userErrors"] == [], name
        store.bulk.wait()


def test_five_bulk_queries_run_at_once_and_a_sixth_is_told_to_wait(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    small = "{ products { edges { node { id } } } }"
    store.bulk.gate.clear()  # keep them RUNNING
    try:
        started = [_run(gql, small) for _ in range(5)]
        assert all(a["userErrors"] == [] for a in started)
        sixth = _run(gql, small)
        assert sixth["bulkOperation"] is None
        assert sixth["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
        assert "already in progress" in sixth["userErrors"][0]["message"]
    finally:
        store.bulk.gate.set()
    store.bulk.wait()
    assert _run(gql, small)["userErrors"] == []  # once they finished, another may start
    store.bulk.wait()


def _lines(store: ShopifySandbox, gql: GraphQL, run: str) -> list[dict[str, Any]]:
    import json

    import requests

    inner = "{ products { edges { node { id variants { edges { node { id } } } } } } }"
    started = gql(run, {"q": inner})["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == []
    store.bulk.wait()
    op = gql(
        "query($id: ID!) { bulkOperation(id: $id) { url } }",
        {"id": started["bulkOperation"]["id"]},
    )["data"]["bulkOperation"]
    return [json.loads(x) for x in requests.get(op["url"], timeout=5).text.splitlines()]


def test_objects_are_grouped_under_their_parents_only_when_asked(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    # groupObjects defaults to false (2026-01+): children are not kept next to their parents.
    default = _lines(
        store,
        gql,
        "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } "
        "userErrors { message } } }",
    )
    grouped = _lines(
        store,
        gql,
        "mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: true) "
        "{ bulkOperation { id } userErrors { message } } }",
    )
    assert sorted(map(str, default)) == sorted(map(str, grouped))  # the same objects

    def next_to_parents(lines: list[dict[str, Any]]) -> bool:
        current = None
        for line in lines:
            if "__parentId" not in line:
                current = line["id"]
            elif line["__parentId"] != current:
                return False
        return True

    assert next_to_parents(grouped) and not next_to_parents(default)


def test_the_connector_asks_for_grouped_objects() -> None:
    # Its JSONL reader joins children to the parent line just before them.
    assert "groupObjects: true" in document("BulkRun")
