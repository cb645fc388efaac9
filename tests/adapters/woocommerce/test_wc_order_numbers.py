"""Resync by order number over `responses`, answering with real WooCommerce order payloads.

Out of the box an order's ``number`` is its id (the captures show ``"number": "23"`` for id 23).
Stores running a sequential-number extension show other numbers; those rows are the real captures
with ``number`` changed as such an extension changes it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

from adapters.woocommerce import WooCommerceAdapter
from connector.platform import ResyncTarget
from tests.adapters.woocommerce.test_wc_client import settings
from tests.adapters.woocommerce.wc_fixtures import real

ORDERS = re.compile(r"https://shop\.example/wp-json/wc/v3/orders(\?.*)?$")
# The customers of open orders are read for VIP by role (adapters/woocommerce/customer_tags.py).
CUSTOMERS = re.compile(r"https://shop\.example/wp-json/wc/v3/customers(\?.*)?$")


def shop() -> WooCommerceAdapter:
    return WooCommerceAdapter(settings(), sleep=lambda _s: None)


def order(name: str, **changes: Any) -> dict[str, Any]:
    return {**real(name)["body"], **changes}


def listing(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"json": list(rows), "headers": {"X-WP-Total": str(len(rows)), "X-WP-TotalPages": "1"}}


def calls() -> list[str]:
    """The order reads made (the batched customers reads are counted in their own tests)."""
    return [str(c.request.url) for c in responses.calls if "/customers" not in str(c.request.url)]


@responses.activate
def test_a_default_store_finds_numbers_by_id_in_one_call_with_or_without_hash() -> None:
    mixed = order("order_get_mixed.json")
    assert mixed["number"] == str(mixed["id"])  # what a store without an extension shows
    responses.get(ORDERS, **listing(mixed))
    responses.get(CUSTOMERS, json=[])
    page = shop().fetch(ResyncTarget(order_numbers=(f"#{mixed['id']}", f" {mixed['id']} ")))
    assert [o.number for o in page.orders] == [str(mixed["id"])]
    assert page.orders[0].customer.email == mixed["billing"]["email"]
    assert len(calls()) == 1 and f"include={mixed['id']}" in calls()[0]


@responses.activate
def test_sequential_numbers_are_searched_and_only_the_exact_number_is_kept() -> None:
    # Order 57 exists but shows number 61; the order numbered 57 is id 23; a search for 57 also
    # matches an order whose address holds "57"; "WR-0005" is a prefixed number.
    id_57 = order("order_get_no_backorders.json", id=57, number="61")
    numbered_57 = order("order_get_mixed.json", number="57")
    near = order("order_get_notify_setpaid.json", number="30")
    prefixed = order("order_get_guest_status_only.json", number="WR-0005")
    responses.get(ORDERS, match=[_query(include="57,999")], **listing(id_57))
    responses.get(ORDERS, match=[_query(search="57")], **listing(near, numbered_57))
    responses.get(ORDERS, match=[_query(search="wr-0005")], **listing(prefixed))
    responses.get(ORDERS, match=[_query(search="999")], **listing())
    responses.get(CUSTOMERS, json=[])
    page = shop().fetch(ResyncTarget(order_numbers=("57", "#wr-0005", "999")))
    assert sorted((o.number, o.platform_id) for o in page.orders) == [
        ("57", str(numbered_57["id"])),
        ("WR-0005", str(prefixed["id"])),
    ]
    assert page.skipped == ()
    assert len(calls()) == 4, "one include= call for both numeric numbers, then one search each"


@responses.activate
def test_a_broken_row_under_the_asked_number_is_recorded_not_fatal() -> None:
    broken = order("order_get_mixed.json", number="77", status="made-up")
    responses.get(ORDERS, match=[_query(include="77")], **listing(broken))
    page = shop().fetch(ResyncTarget(order_numbers=("77",)))
    assert page.orders == ()
    assert len(page.skipped) == 1 and "made-up" in page.skipped[0].reason


def _query(**expected: str) -> Any:
    """Matches a request whose query has ``expected`` (other parameters may be there too)."""

    def match(request: Any) -> tuple[bool, str]:
        got = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        ok = all(got.get(k) == v for k, v in expected.items())
        return ok, "" if ok else f"{got} lacks {expected}"

    return match
