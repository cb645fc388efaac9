"""``ordersCount`` counts what the same search lists (the adapter counts its overlap window)."""

from __future__ import annotations

from datetime import timedelta

from connector.clock import FrozenClock
from connector.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify.conftest import GraphQL

COUNT_AND_LIST = """
query($query: String, $limit: Int) {
  ordersCount(query: $query, limit: $limit) { count precision }
  orders(first: 250, query: $query) { nodes { id updatedAt } }
}
"""


def test_an_orders_count_over_an_updated_at_range_is_what_that_range_lists(
    store: ShopifySandbox, shop_clock: FrozenClock, gql: GraphQL
) -> None:
    numbers = sorted(store.data.orders)
    shop_clock.advance(timedelta(minutes=10))
    for number in numbers[:3]:
        store.data.touch_order(store.data.orders[number])
    shop_clock.advance(timedelta(seconds=1, milliseconds=700))
    store.data.touch_order(store.data.orders[numbers[3]])  # at .7 of a second: still that second
    stamp = shop_clock().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = (shop_clock() - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = f"updated_at:>'{before}' AND updated_at:<='{stamp}'"
    answer = gql(COUNT_AND_LIST, {"query": query, "limit": 10})["data"]
    assert [n["id"] for n in answer["orders"]["nodes"]] == [f"gid://shopify/Order/{numbers[3]}"]
    assert answer["ordersCount"] == {"count": 1, "precision": "EXACT"}
    wider = f"updated_at:>='{before}' AND updated_at:<='{stamp}'"  # the three a second before
    answer = gql(COUNT_AND_LIST, {"query": wider, "limit": 10})["data"]
    assert answer["ordersCount"] == {"count": 4, "precision": "EXACT"}
    assert len(answer["orders"]["nodes"]) == 4
    # A count that reaches its limit says so: the adapter asks one more than it expects.
    answer = gql(COUNT_AND_LIST, {"query": wider, "limit": 4})["data"]
    assert answer["ordersCount"] == {"count": 4, "precision": "AT_LEAST"}
    answer = gql(COUNT_AND_LIST, {"query": wider, "limit": 5})["data"]
    assert answer["ordersCount"] == {"count": 4, "precision": "EXACT"}
