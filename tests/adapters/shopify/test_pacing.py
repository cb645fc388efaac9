"""Pacing by the bucket Shopify reports after refunding each call down to its actual cost.

Shopify runs a call only when the bucket holds its requested cost, then refunds the difference to
the actual cost; ``throttleStatus`` comes after the refund. A sync should therefore wait about as
long as what it actually cost needs to restore, not what it requested, and a page size it has not
sent before should be expected to ask what that document asks per item.
"""

from __future__ import annotations

from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from tests.adapters.shopify.conftest import make_rig

ORDERS = SeedSpec(
    seed=9, products=20, customers=30, orders=300, lines_per_order=(1, 2), out_of_stock_share=0.0
)


def test_a_small_bucket_sync_waits_for_what_its_calls_actually_cost_not_what_they_requested() -> (
    None
):
    # A 100-point bucket restoring 10/s: an order page requests about 76 points (5 lines and 5
    # fulfillment orders asked for each order) and actually costs about a third of that.
    rig = make_rig(ORDERS, bucket_size=100, restore_rate=10)
    try:
        start = rig.clock()
        pages, _ = rig.sync(Resource.ORDERS, None)
        waited = (rig.clock() - start).total_seconds()
        assert sum(len(p.orders) for p in pages) == len(rig.store.data.orders)
        actual = sum(e.cost for e in rig.store.log.entries())  # as the shop charged each call
        # Every page after the first fits, and the bucket is never asked for more than it holds.
        assert rig.store.graphql.throttled_answers <= 1  # the first page, too big for the bucket
        # At most what the calls actually cost takes to restore (the last page's request is still
        # in the bucket at the end); waiting for what every call requested would take about
        # three times as long.
        assert waited <= actual / 10 + 2
    finally:
        rig.adapter.close()
        rig.store.stop()


def test_a_page_size_not_sent_before_is_expected_to_ask_what_the_document_asks_per_item() -> None:
    rig = make_rig(ORDERS)
    try:
        client = rig.adapter.client
        # Another process of the same app spent most of the bucket: 300 points are left.
        rig.store.bucket.take(rig.store.bucket.available() - 300)
        client.run("OrderChanges", {"first": 2}, key="OrderChanges:2")  # about 76 points asked
        before = len(rig.store.log.entries())
        # Ten times the page asks about ten times as much (760): it is paced for that, and
        # Shopify never has to answer THROTTLED (the dearest document seen asked only 76).
        client.run("OrderChanges", {"first": 20}, key="OrderChanges:20")
        assert rig.store.graphql.throttled_answers == 0
        assert len(rig.store.log.entries()) - before == 1
    finally:
        rig.adapter.close()
        rig.store.stop()
