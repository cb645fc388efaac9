"""Requests a cycle makes, counted where the sandbox served them (issue 19).

A quiet cycle must stay at two requests (one per resource) however many orders the connector's own
writes touched inside the overlap window, and whether or not time moved since the last read.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from connector.model import OrderAction, OrderActionKind
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import Rig, make_rig

SPEC = SeedSpec(seed=5, products=15, customers=8, orders=300)


def served(rig: Rig, since: int) -> Counter[str]:
    """The operations the sandbox answered since log position ``since``."""
    return Counter(e.operation for e in rig.store.log.entries()[since:])


def tag_orders(rig: Rig, count: int) -> list[str]:
    ids = sorted(rig.store.state()["orders"])[:count]
    actions = [
        OrderAction("sandbox", OrderActionKind.ADD_TAGS, order_id, tags=("backorder",))
        for order_id in ids
    ]
    results = rig.adapter.apply_order_actions(actions)
    assert {r.status.value for r in results} == {"done"}
    return ids


@pytest.fixture
def shop() -> Rig:
    made = make_rig(SPEC)
    yield made  # type: ignore[misc]
    made.adapter.close()
    made.store.stop()


@pytest.mark.parametrize("minutes", [0, 1])
def test_a_quiet_cycle_after_our_own_writes_costs_two_requests(shop: Rig, minutes: int) -> None:
    _, catalog = shop.sync(Resource.PRODUCTS, None)
    _, orders = shop.sync(Resource.ORDERS, None)
    shop.clock.advance(timedelta(minutes=10))
    tagged = tag_orders(shop, 120)
    # The next cycle reads the orders our writes changed...
    pages, orders = shop.sync(Resource.ORDERS, orders)
    assert {o.platform_id for p in pages for o in p.orders} == set(tagged)
    _, catalog = shop.sync(Resource.PRODUCTS, catalog)
    # ...and the one after, with the clock frozen or a minute on (well inside the overlap
    # window), finds nothing new in one request per resource.
    shop.clock.advance(timedelta(minutes=minutes))
    before = len(shop.store.log)
    catalog_pages, catalog = shop.sync(Resource.PRODUCTS, catalog)
    order_pages, orders = shop.sync(Resource.ORDERS, orders)
    assert not any(p.orders or p.variants or p.products for p in catalog_pages + order_pages)
    assert sum(served(shop, before).values()) <= 2, served(shop, before)


def test_an_order_search_shows_late_inside_the_window_is_still_read_whole(shop: Rig) -> None:
    _, orders = shop.sync(Resource.ORDERS, None)
    shop.clock.advance(timedelta(minutes=10))
    tagged = tag_orders(shop, 30)
    _, orders = shop.sync(Resource.ORDERS, orders)
    # Search indexed one more write late: an order changed 20 s before the newest change read
    # shows up only now. (The sandbox's search is never late; moving the stamp back stands in.)
    late = shop.store.data.orders[int(sorted(shop.store.state()["orders"])[200].rsplit("/", 1)[1])]
    late.tags = [*late.tags, "late"]
    late.updated_at = shop.clock() - timedelta(seconds=20)
    # And one already read changed again at that same time.
    again = shop.store.data.orders[int(tagged[3].rsplit("/", 1)[1])]
    again.updated_at = shop.clock() - timedelta(seconds=1)
    again.note = "edited"
    before = len(shop.store.log)
    pages, _ = shop.sync(Resource.ORDERS, orders)
    read = {o.platform_id: o for p in pages for o in p.orders}
    assert set(read) == {f"gid://shopify/Order/{late.id}", tagged[3]}
    assert served(shop, before) == Counter({"OrderChanges": 1, "OrdersByIds": 1}), (
        shop.store.log.entries()[before:]
    )


def test_a_first_write_cycle_reads_its_orders_25_a_call_not_one_by_one(shop: Rig) -> None:
    # Each of 60 orders gets what a first write cycle gives a waiting order: its first line held,
    # a note and a tag. The orders are read 25 a call; a note or tag after the hold needs no
    # second read (the hold changed only the fulfillment orders).
    _, cursor = shop.sync(Resource.ORDERS, None)
    state = shop.store.state()["orders"]
    ids = sorted(state)[:60]
    actions = []
    for order_id in ids:
        line, data = next(iter(state[order_id]["lines"].items()))
        actions += [
            OrderAction(
                "sandbox",
                OrderActionKind.HOLD_LINES,
                order_id,
                lines=((line, data["quantity"]),),
                hold_reason="INVENTORY_OUT_OF_STOCK",
            ),
            OrderAction("sandbox", OrderActionKind.ADD_NOTE, order_id, note="Part ships later."),
            OrderAction("sandbox", OrderActionKind.ADD_TAGS, order_id, tags=("backorder",)),
        ]
    before = len(shop.store.log)
    results = shop.adapter.apply_order_actions(actions)
    assert {r.status.value for r in results} == {"done"}
    assert served(shop, before) == Counter(
        {"OrderFulfillment": 3, "FulfillmentOrderHold": 60, "OrderUpdate": 60, "TagsAdd": 60}
    )
    after = shop.store.state()["orders"]
    assert all(
        any(fo["status"] == "ON_HOLD" for fo in after[i]["fulfillment_orders"].values())
        and after[i]["note"] == "Part ships later."
        and "backorder" in after[i]["tags"]
        for i in ids
    )
    # A rerun finds all of it done, with the same three reads and no write.
    before = len(shop.store.log)
    rerun = shop.adapter.apply_order_actions(actions)
    assert {r.status.value for r in rerun} == {"skipped"}
    assert served(shop, before) == Counter({"OrderFulfillment": 3})
    # Reading the 60 changed orders marks the held lines, their holds read 25 orders a call.
    shop.clock.advance(timedelta(minutes=10))
    before = len(shop.store.log)
    pages, _ = shop.sync(Resource.ORDERS, cursor)
    read = {o.platform_id: o for p in pages for o in p.orders}
    assert set(read) == set(ids)
    assert all(read[i].lines[0].on_hold for i in ids)
    assert served(shop, before) == Counter({"OrderChanges": 3, "OrderFulfillment": 3})


def test_a_second_hold_on_an_order_reads_it_again_after_the_first_split_it(shop: Rig) -> None:
    state = shop.store.state()["orders"]
    order_id = next(i for i in sorted(state) if len(state[i]["lines"]) >= 2)
    (first, one), (second, two) = list(state[order_id]["lines"].items())[:2]
    actions = [
        OrderAction(
            "sandbox",
            OrderActionKind.HOLD_LINES,
            order_id,
            lines=((line, data["quantity"]),),
            handle=f"h{n}",
            hold_reason="INVENTORY_OUT_OF_STOCK",
        )
        for n, (line, data) in enumerate(((first, one), (second, two)))
    ]
    before = len(shop.store.log)
    results = shop.adapter.apply_order_actions(actions)
    assert [r.status.value for r in results] == ["done", "done"]
    assert served(shop, before)["OrderFulfillment"] == 2
    held = {
        line
        for fo in shop.store.state()["orders"][order_id]["fulfillment_orders"].values()
        if fo["status"] == "ON_HOLD"
        for line in fo["lines"]
    }
    assert {first, second} <= held


def _bulk_rig(spec: SeedSpec, **options: object) -> Rig:
    """A rig on Shopify's default bucket (2000 points, 100 a second) whose bulk operations stay
    RUNNING until the adapter first waits for one: it then polls exactly twice, whatever the
    machine's speed."""
    made = make_rig(spec, bucket_size=2000, restore_rate=100, **options)
    gate = made.store.bulk.gate

    def sleep(seconds: float) -> None:
        made.clock.advance(timedelta(seconds=seconds))
        if not gate.is_set():
            gate.set()
            made.store.bulk.wait()

    made.adapter.client._sleep = sleep  # the adapter's one sleep, as the rig's own would be
    return made


def test_a_thousand_changed_orders_cost_at_most_8_requests_and_no_throttled_answer() -> None:
    spec = SeedSpec(seed=11, products=40, customers=50, orders=1_200, lines_per_order=(1, 3))
    shop = _bulk_rig(spec)
    try:
        _, cursor = shop.sync(Resource.ORDERS, None)
        shop.clock.advance(timedelta(minutes=10))
        changed = sorted(shop.store.data.orders)[100:1_100]
        for number in changed:
            order = shop.store.data.orders[number]
            order.note = "changed"
            shop.store.data.touch_order(order)
            shop.clock.advance(timedelta(milliseconds=50))
        shop.clock.advance(timedelta(minutes=1))
        shop.store.bulk.gate.clear()
        before, throttled = len(shop.store.log), shop.store.graphql.throttled_answers
        pages, cursor = shop.sync(Resource.ORDERS, cursor)
        read = [o.platform_id for p in pages for o in p.orders]
        assert sorted(read) == sorted(f"gid://shopify/Order/{n}" for n in changed)
        assert all(o.note == "changed" for p in pages for o in p.orders)
        counts = served(shop, before)
        assert sum(counts.values()) <= 8, counts
        assert counts["BulkRun"] == 1 and counts["OrderChanges"] == 1
        assert shop.store.graphql.throttled_answers == throttled
        # The next cycle repeats none of them. Inside the overlap window it counts their 1,000
        # stamps in the same call; the read that starts past the window lists them once, 250 a
        # call, as search must have them all by then; the read after it is one call again.
        shop.clock.advance(timedelta(minutes=1))
        before = len(shop.store.log)
        pages, cursor = shop.sync(Resource.ORDERS, cursor)
        assert not any(p.orders for p in pages)
        assert served(shop, before) == Counter({"OrderChanges": 1})
        shop.clock.advance(timedelta(minutes=5))
        before = len(shop.store.log)
        pages, cursor = shop.sync(Resource.ORDERS, cursor)
        assert not any(p.orders for p in pages)
        assert served(shop, before) == Counter({"OrderChanges": 3})
        shop.clock.advance(timedelta(minutes=5))
        before = len(shop.store.log)
        pages, _ = shop.sync(Resource.ORDERS, cursor)
        assert not any(p.orders for p in pages)
        assert served(shop, before) == Counter({"OrderChanges": 1})
    finally:
        shop.adapter.close()
        shop.store.stop()


def test_a_window_below_the_threshold_is_read_in_pages() -> None:
    shop = _bulk_rig(SPEC, bulk_changes_threshold=250)
    try:
        _, cursor = shop.sync(Resource.ORDERS, None)
        shop.clock.advance(timedelta(minutes=10))
        for number in sorted(shop.store.data.orders)[:100]:
            shop.store.data.touch_order(shop.store.data.orders[number])
        shop.clock.advance(timedelta(minutes=10))
        before = len(shop.store.log)
        pages, _ = shop.sync(Resource.ORDERS, cursor)
        assert sum(len(p.orders) for p in pages) == 100
        assert set(served(shop, before)) == {"OrderChanges"}
    finally:
        shop.adapter.close()
        shop.store.stop()


def test_a_window_longer_than_a_page_is_checked_against_what_it_was_drawn_from() -> None:
    # 300 orders our writes changed lie in the overlap window; meanwhile the shop changes 300
    # others, read in pages that move the cursor on past the window. The window's later pages
    # still find every order of it already read: none is read twice.
    spec = SeedSpec(seed=11, products=40, customers=50, orders=800, lines_per_order=(1, 3))
    shop = _bulk_rig(spec, bulk_changes_threshold=10_000)
    try:
        _, cursor = shop.sync(Resource.ORDERS, None)
        shop.clock.advance(timedelta(minutes=10))
        ours = tag_orders(shop, 300)
        shop.clock.advance(timedelta(minutes=1))
        pages, cursor = shop.sync(Resource.ORDERS, cursor)
        assert len({o.platform_id for p in pages for o in p.orders}) == 300
        shop.clock.advance(timedelta(minutes=10))  # their first page moves past the window
        theirs = [
            n for n in sorted(shop.store.data.orders) if f"gid://shopify/Order/{n}" not in ours
        ]
        for number in theirs[:300]:
            shop.store.data.touch_order(shop.store.data.orders[number])
            shop.clock.advance(timedelta(seconds=2))
        before = len(shop.store.log)
        pages, _ = shop.sync(Resource.ORDERS, cursor)
        read = [o.platform_id for p in pages for o in p.orders]
        assert sorted(read) == sorted(f"gid://shopify/Order/{n}" for n in theirs[:300])
        assert "OrdersByIds" not in served(shop, before)
    finally:
        shop.adapter.close()
        shop.store.stop()
