"""Loads the sandbox's GraphQL schema (``schema.graphql``, a subset of Shopify's published one)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
PAYMENTS_SCHEMA_PATH = Path(__file__).with_name("payments.graphql")
"""Orders' money (transactions, capture, invoices): extends ``Order`` and ``Mutation``."""
SELLING_PLANS_SCHEMA_PATH = Path(__file__).with_name("selling_plans.graphql")
"""Pre-order selling plans and mandate payments: extends ``QueryRoot``, ``Order``, ``Mutation``."""


@cache
def _sdl() -> str:
    return "".join(
        path.read_text(encoding="utf-8")
        for path in (SCHEMA_PATH, PAYMENTS_SCHEMA_PATH, SELLING_PLANS_SCHEMA_PATH)
    )


def load_schema() -> GraphQLSchema:
    """A fresh schema object (each store binds its own resolvers onto it)."""
    return build_schema(_sdl())
