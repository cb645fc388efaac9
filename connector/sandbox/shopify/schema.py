"""Loads the sandbox's GraphQL schema (``schema.graphql``, a subset of Shopify's published one)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
PAYMENTS_SCHEMA_PATH = Path(__file__).with_name("payments.graphql")
"""Orders' money (transactions, capture, invoices): extends ``Order`` and ``Mutation``."""
ORDER_MONEY_SCHEMA_PATH = Path(__file__).with_name("order_money.graphql")
"""Taxes, shipping, payment terms and the payment reminder: extends ``Order``, ``LineItem``."""
COLLECTIONS_SCHEMA_PATH = Path(__file__).with_name("collections.graphql")
"""Collections, custom and smart: extends ``QueryRoot``, ``Product`` and the webhook topics."""
SELLING_PLANS_SCHEMA_PATH = Path(__file__).with_name("selling_plans.graphql")
"""Pre-order selling plans and mandate payments: extends ``QueryRoot``, ``Order``, ``Mutation``."""
EDIT_SESSIONS_SCHEMA_PATH = Path(__file__).with_name("edit_sessions.graphql")
"""Order edits (orderEditBegin ... orderEditCommit): extends ``Mutation``."""


@cache
def _sdl() -> str:
    paths = (
        SCHEMA_PATH,
        PAYMENTS_SCHEMA_PATH,
        ORDER_MONEY_SCHEMA_PATH,
        COLLECTIONS_SCHEMA_PATH,
        SELLING_PLANS_SCHEMA_PATH,
        EDIT_SESSIONS_SCHEMA_PATH,
    )
    return "".join(path.read_text(encoding="utf-8") for path in paths)


def load_schema() -> GraphQLSchema:
    """A fresh schema object (each store binds its own resolvers onto it)."""
    return build_schema(_sdl())
