"""Shopify resync by order number: the search sent, batching, and exact-name filtering."""

from __future__ import annotations

from typing import Any

import responses

from adapters.shopify.order_numbers import name_keys, name_query
from connector.clock import FrozenClock
from connector.platform import ResyncTarget
from tests.adapters.shopify.conftest import Rig
from tests.adapters.shopify.test_real_payloads import ENDPOINT, adapter


def names_of(rig: Rig) -> dict[str, str]:
    """Order name (``#1001``) -> order id, as the shop's admin shows them."""
    return {str(o["name"]): gid for gid, o in rig.store.state()["orders"].items()}


def lookups(rig: Rig) -> int:
    return sum(1 for e in rig.store.log.entries() if e.operation == "OrdersByName")


def test_both_spellings_are_searched_and_quotes_are_escaped() -> None:
    keys = name_keys(["#1001", " 1001 ", "1002", "", "#", "EU'1\\2"])
    assert keys == ["1001", "1002", "eu'1\\2"]
    assert name_query(keys) == (
        "name:'#1001' OR name:'1001' OR name:'#1002' OR name:'1002'"
        " OR name:'#eu\\'1\\\\2' OR name:'eu\\'1\\\\2'"
    )


def test_twelve_numbers_come_back_in_two_lookups(rig: Rig) -> None:
    names = names_of(rig)
    asked = sorted(names)[:12]
    spelled = [n if i % 2 else n.removeprefix("#") for i, n in enumerate(asked)]
    page = rig.adapter.fetch(ResyncTarget(order_numbers=(*spelled, "#999999")))
    assert sorted(o.number for o in page.orders) == asked
    assert {o.platform_id for o in page.orders} == {names[n] for n in asked}
    assert page.skipped == ()
    assert lookups(rig) == 2  # ten numbers per call


def test_an_order_shopify_finds_near_the_number_is_not_handed_back(
    rig: Rig, clock: FrozenClock
) -> None:
    # Shopify's search may also return orders near the term; only the exact name is the order.
    first, second = sorted(names_of(rig))[:2]
    data = rig.adapter.client.run(
        "OrdersByName", {"first": 25, "query": name_query(name_keys([first, second]))}
    )
    assert len(data["orders"]["nodes"]) == 2
    with responses.RequestsMock() as mock:
        mock.post(ENDPOINT, json=_answer(data))
        page = adapter(clock).fetch(ResyncTarget(order_numbers=(first.removeprefix("#"),)))
    assert [o.number for o in page.orders] == [first]


def _answer(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "extensions": {}}
