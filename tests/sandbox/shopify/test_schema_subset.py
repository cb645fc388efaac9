"""The sandbox schema is a strict subset of Shopify's published Admin schema (2026-10)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    build_client_schema,
)

from connector.sandbox.shopify.schema import load_schema

PUBLISHED = Path(__file__).parents[2] / "fixtures" / "shopify" / "schema" / "admin_2026-10.json.gz"


def published() -> GraphQLSchema:
    with gzip.open(PUBLISHED, "rt") as handle:
        return build_client_schema(json.load(handle)["data"])


def subset_problems(ours: GraphQLSchema, theirs: GraphQLSchema) -> list[str]:
    problems: list[str] = []
    for name, our_type in ours.type_map.items():
        if name.startswith("__"):
            continue
        real_name = "QueryRoot" if name == "QueryRoot" else name
        their_type = theirs.type_map.get(real_name)
        if their_type is None:
            problems.append(f"type {name} is not in Shopify's schema")
            continue
        if type(our_type) is not type(their_type):
            problems.append(f"{name} is a {type(our_type).__name__} here")
            continue
        if isinstance(our_type, GraphQLEnumType):
            assert isinstance(their_type, GraphQLEnumType)
            problems += [
                f"enum value {name}.{value} is not Shopify's"
                for value in our_type.values
                if value not in their_type.values
            ]
        if isinstance(our_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            their_fields = their_type.fields  # type: ignore[attr-defined]
            for field_name, field in our_type.fields.items():
                real = their_fields.get(field_name)
                if real is None:
                    problems.append(f"field {name}.{field_name} is not Shopify's")
                    continue
                if str(field.type) != str(real.type):
                    problems.append(f"{name}.{field_name}: {field.type} here, {real.type} there")
                for arg_name, arg in getattr(field, "args", {}).items():
                    real_arg = real.args.get(arg_name)
                    if real_arg is None or str(real_arg.type) != str(arg.type):
                        problems.append(f"argument {name}.{field_name}({arg_name}) differs")
                    elif (
                        real_arg.default_value is not Undefined
                        and arg.default_value != real_arg.default_value
                    ):
                        # A default we lack answers differently what a client leaves out.
                        problems.append(
                            f"argument {name}.{field_name}({arg_name}) defaults to "
                            f"{arg.default_value!r} here, {real_arg.default_value!r} there"
                        )
                # A required argument we leave out would make our schema accept what theirs refuses.
                for arg_name, real_arg in getattr(real, "args", {}).items():
                    if str(real_arg.type).endswith("!") and arg_name not in field.args:
                        problems.append(
                            f"required argument {name}.{field_name}({arg_name}) missing"
                        )
            if isinstance(our_type, GraphQLObjectType):
                theirs_ifaces = {i.name for i in their_type.interfaces}  # type: ignore[attr-defined]
                problems += [
                    f"{name} implements {i.name} here only"
                    for i in our_type.interfaces
                    if i.name not in theirs_ifaces
                ]
    return problems


def test_every_type_field_argument_and_enum_value_is_shopifys() -> None:
    assert subset_problems(load_schema(), published()) == []


def test_the_check_catches_an_invented_field() -> None:
    from graphql import build_schema

    invented = build_schema(
        "type QueryRoot { shop: Shop! } type Shop { name: Int! inventedField: String }"
    )
    problems = subset_problems(invented, published())
    assert "field Shop.inventedField is not Shopify's" in problems
    assert "Shop.name: Int! here, String! there" in problems
