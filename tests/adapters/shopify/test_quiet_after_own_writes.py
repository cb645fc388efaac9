"""A quiet cycle after the connector's own writes to hundreds of orders (issue 19).

Our writes move each order's ``updatedAt``, so the next cycle reads them back (a change by someone
else between our read and our write rides on the same stamp: it must be read), and their stamps
then fill the overlap window the cycles after it check for what search indexed late. A window
holding more orders than a page of stamps is counted while search may still be indexing it (one
point, in the same call) and listed only when the count is not what was read, or once, when it has
settled. The tests count the requests the sandbox served and check that a change by someone else
in between is read all the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from adapters.shopify.cursor import Cursor, parse_iso
from connector.model import Order, OrderAction, OrderActionKind
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify.records import SOrder
from tests.adapters.shopify.conftest import Rig, make_rig

SPEC = SeedSpec(seed=5, products=15, customers=8, orders=600)
OURS = 300
"""More orders than a page of window stamps (250)."""


def newest(cursor: str | None) -> datetime:
    """The newest change the order cursor committed: the overlap window ends there."""
    decoded = Cursor.decode(cursor)
    since = decoded.get("orders").since if decoded is not None else None
    assert since is not None
    return parse_iso(since)


def served(rig: Rig, since: int) -> Counter[str]:
    return Counter(e.operation for e in rig.store.log.entries()[since:])


def order(rig: Rig, platform_id: str) -> SOrder:
    return rig.store.data.orders[int(platform_id.rsplit("/", 1)[1])]


def write_ours(rig: Rig, ids: list[str]) -> None:
    """What a write cycle gives a waiting order: a note and a tag."""
    actions = []
    for order_id in ids:
        actions += [
            OrderAction("sandbox", OrderActionKind.ADD_NOTE, order_id, note="Ships later."),
            OrderAction("sandbox", OrderActionKind.ADD_TAGS, order_id, tags=("backorder",)),
        ]
    results = rig.adapter.apply_order_actions(actions)
    assert {r.status.value for r in results} == {"done"}


@pytest.fixture
def shop() -> Iterator[Rig]:
    made = make_rig(SPEC)
    yield made
    made.adapter.close()
    made.store.stop()


def after_our_writes(shop: Rig) -> tuple[list[str], str | None, str | None]:
    """Synced, then our writes to ``OURS`` orders, then the cycle that reads them back."""
    _, catalog = shop.sync(Resource.PRODUCTS, None)
    _, orders = shop.sync(Resource.ORDERS, None)
    shop.clock.advance(timedelta(minutes=10))
    ours = sorted(shop.store.state()["orders"])[:OURS]
    write_ours(shop, ours)
    shop.clock.advance(timedelta(minutes=1))
    pages, orders = shop.sync(Resource.ORDERS, orders)
    assert {o.platform_id for p in pages for o in p.orders} == set(ours)
    _, catalog = shop.sync(Resource.PRODUCTS, catalog)
    return ours, catalog, orders


@pytest.mark.parametrize("minutes", [0, 1])
def test_a_quiet_cycle_after_our_writes_to_300_orders_costs_two_requests(
    shop: Rig, minutes: int
) -> None:
    _, catalog, orders = after_our_writes(shop)
    shop.clock.advance(timedelta(minutes=minutes))
    before = len(shop.store.log)
    catalog_pages, catalog = shop.sync(Resource.PRODUCTS, catalog)
    order_pages, orders = shop.sync(Resource.ORDERS, orders)
    assert not any(p.orders or p.variants or p.products for p in catalog_pages + order_pages)
    assert served(shop, before) == Counter({"CatalogChanges": 1, "OrderChanges": 1})
    # Past the overlap window their stamps are listed once (search has them all by then)...
    shop.clock.advance(timedelta(minutes=5))
    before = len(shop.store.log)
    order_pages, orders = shop.sync(Resource.ORDERS, orders)
    assert not any(p.orders for p in order_pages)
    assert served(shop, before) == Counter({"OrderChanges": 2})
    # ...and never again.
    shop.clock.advance(timedelta(minutes=5))
    before = len(shop.store.log)
    order_pages, orders = shop.sync(Resource.ORDERS, orders)
    assert not any(p.orders for p in order_pages)
    assert served(shop, before) == Counter({"OrderChanges": 1})


def test_a_change_by_someone_else_between_our_read_and_our_write_is_read(shop: Rig) -> None:
    _, orders = shop.sync(Resource.ORDERS, None)
    shop.clock.advance(timedelta(minutes=10))
    ours = sorted(shop.store.state()["orders"])[:OURS]
    # After the connector read the order and before its write: a person edits the address note.
    edited = order(shop, ours[7])
    edited.note = "Leave at the back door"
    shop.store.data.touch_order(edited)
    shop.clock.advance(timedelta(seconds=1))
    write_ours(shop, ours)
    shop.clock.advance(timedelta(minutes=1))
    pages, _ = shop.sync(Resource.ORDERS, orders)
    read = {o.platform_id: o for p in pages for o in p.orders}
    assert set(read) == set(ours)
    # The note our write added sits under the person's, and the tag is there.
    assert read[ours[7]].note is not None and "Leave at the back door" in read[ours[7]].note
    assert "backorder" in read[ours[7]].tags


def test_a_change_search_shows_late_among_our_orders_is_read_in_the_next_quiet_cycle(
    shop: Rig,
) -> None:
    ours, _, orders = after_our_writes(shop)
    # Another app tagged an order 20 s before the newest change read, and search shows it only
    # now (the sandbox's search is never late: moving the stamp back stands in). The count of the
    # window is one more than what was read: the window is listed and the order read.
    assert newest(orders) - timedelta(seconds=20) > shop.clock() - timedelta(minutes=5)
    others = [n for n in sorted(shop.store.data.orders) if f"gid://shopify/Order/{n}" not in ours]
    other = shop.store.data.orders[others[5]]
    other.tags = [*other.tags, "gift-wrap"]
    other.updated_at = newest(orders) - timedelta(seconds=20)
    before = len(shop.store.log)
    pages, _ = shop.sync(Resource.ORDERS, orders)
    read = {o.platform_id: o for p in pages for o in p.orders}
    assert list(read) == [f"gid://shopify/Order/{other.id}"]
    assert "gift-wrap" in read[f"gid://shopify/Order/{other.id}"].tags
    assert served(shop, before)["OrdersByIds"] == 1


def test_a_change_the_count_cannot_tell_is_read_when_the_window_settles(shop: Rig) -> None:
    ours, _, orders = after_our_writes(shop)
    # Someone else edits one of our orders, and search shows it late with a stamp still inside
    # the window: the window's count is unchanged. It is read, at the latest by the cycle that
    # lists the window once search must have it, never missed.
    edited = order(shop, ours[42])
    edited.note = "Customer called: keep the order"
    edited.updated_at = newest(orders) - timedelta(seconds=5)
    found: dict[str, Order] = {}
    for minutes in (0, 1, 5):
        shop.clock.advance(timedelta(minutes=minutes))
        pages, orders = shop.sync(Resource.ORDERS, orders)
        found.update({o.platform_id: o for p in pages for o in p.orders})
    assert list(found) == [ours[42]]
    assert "keep the order" in (found[ours[42]].note or "")
