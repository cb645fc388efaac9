"""Fixtures for the Shopify sandbox tests: a small seeded store on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from connector.clock import FrozenClock
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify import ShopifySandbox

SMALL = SeedSpec(seed=11, products=12, customers=6, orders=20)

GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture
def shop_clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


@pytest.fixture
def store(shop_clock: FrozenClock) -> Iterator[ShopifySandbox]:
    with ShopifySandbox(
        SMALL,
        clock=shop_clock,
        bucket_time=lambda: shop_clock().timestamp(),
        webhook_retry_delays=(0.05, 0.05, 0.05),
    ) as running:
        yield running


@pytest.fixture
def gql(store: ShopifySandbox) -> GraphQL:
    session = requests.Session()

    def post(query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        answer = session.post(
            f"{store.base_url}/admin/api/2026-10/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": store.access_token},
            timeout=10,
            **kw,
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    return post
