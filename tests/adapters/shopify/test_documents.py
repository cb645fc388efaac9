"""Every GraphQL document the adapter sends is valid against Shopify's published schema."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, build_client_schema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule

from adapters.shopify.documents import DOCUMENT_DIR, document, fragment_names, names
from connector.sandbox.shopify.schema import load_schema

SPREAD = re.compile(r"\.\.\.\s*(?!on\b)([_A-Za-z]\w*)")
PUBLISHED = Path(__file__).parents[2] / "fixtures" / "shopify" / "schema" / "admin_2026-10.json.gz"


@cache
def published() -> GraphQLSchema:
    with gzip.open(PUBLISHED, "rt") as handle:
        return build_client_schema(json.load(handle)["data"])


def test_there_are_documents() -> None:
    assert {"CatalogChanges", "OrderChanges", "FulfillmentOrderHold"} <= set(names())


@pytest.mark.parametrize("name", names())
def test_document_is_valid_against_the_published_schema(name: str) -> None:
    # Deprecated fields count as errors: Shopify removes them in a later version.
    rules = [*specified_rules, NoDeprecatedCustomRule]
    errors = validate(published(), parse(document(name)), rules)
    assert [e.message for e in errors] == []


def test_a_deprecated_field_is_caught() -> None:
    query = "query($id: ID!) { inventoryItem(id: $id) { variant { id } } }"
    errors = validate(published(), parse(query), [*specified_rules, NoDeprecatedCustomRule])
    assert ["Use `variants` instead" in e.message for e in errors] == [True]


@pytest.mark.parametrize("name", names())
def test_document_is_served_by_the_sandbox(name: str) -> None:
    # The sandbox serves a subset: a document it rejects could not be tested against it.
    errors = validate(load_schema(), parse(document(name)))
    assert [e.message for e in errors] == []


def test_an_unknown_field_is_caught() -> None:
    errors = validate(published(), parse("{ shop { inventedField } }"))
    assert errors


@pytest.mark.parametrize("name", [n for n in names() if n.endswith(".bulk")])
def test_bulk_queries_go_out_with_their_fragments_inlined(name: str) -> None:
    text = document(name)
    assert "fragment " not in text and not SPREAD.search(text)
    # What each one's fragments select came in (BulkCollections: CollectionNames' handle).
    assert "releaseDate" in text or "lineItems" in text or "handle" in text


def test_every_fragment_is_used_and_shared_selections_are_written_once() -> None:
    used = {m for n in names() for m in SPREAD.findall((DOCUMENT_DIR / f"{n}.graphql").read_text())}
    raw = "".join((DOCUMENT_DIR / f"{n}.graphql").read_text() for n in names())
    assert set(fragment_names()) <= used | set(SPREAD.findall(raw))
    # The line-item selection lives in one fragment file, not in the documents.
    assert raw.count("unfulfilledQuantity") == 0


@pytest.mark.parametrize("name", [n for n in names() if n.endswith(".bulk")])
def test_bulk_queries_nest_one_connection_at_most_under_the_top_one(name: str) -> None:
    # Shopify allows connections two levels below the top one (its bulk guide's example), but its
    # schema's "maximum nesting depth of two levels" is also read as two levels in all: staying at
    # one level below the top is accepted under either reading.
    from graphql import FieldNode, OperationDefinitionNode, get_named_type

    from connector.sandbox.shopify.bulk import _connection_levels, _node_selection

    schema = published()
    [operation] = [
        d for d in parse(document(name)).definitions if isinstance(d, OperationDefinitionNode)
    ]
    [root] = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    query_type = schema.query_type
    assert query_type is not None
    connection: Any = get_named_type(query_type.fields[root.name.value].type)
    node_type = get_named_type(connection.fields["nodes"].type)
    levels = _connection_levels(schema, node_type, _node_selection(root), 0)
    assert max(levels, default=0) <= 1
    assert 1 + len(levels) <= 5
