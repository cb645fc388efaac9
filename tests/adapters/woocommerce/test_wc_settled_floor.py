"""A quiet shop stops re-listing the overlap window behind its last change once the store's clock
is a whole window past it.

The cursor keeps the store's second when its last whole read began (its ``Date``); the overlap
window (``overlap_seconds``, how late a row may become visible) is counted back from there when
that is later than the newest row. Counted where the sandbox served the requests: after a burst
of changes, quiet cycles list the burst's pages while inside the window, then one page (they used
to list every page of the burst until something newer changed); a change after that is still
read, and a store whose clock went back is listed over the window again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock
from connector.model import Variant
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SPEC = SeedSpec(seed=5, products=250, variants_per_product=(1, 1), orders=4)


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(SPEC, clock=clock) as running:
        yield running


@pytest.fixture
def adapter(store: WooCommerceSandbox) -> Iterator[WooCommerceAdapter]:
    made = WooCommerceAdapter(settings_for(store), clock=store.clock, sleep=lambda _s: None)
    yield made
    made.close()


def test_a_quiet_cycle_after_a_burst_lists_one_page_and_later_changes_are_still_read(
    store: WooCommerceSandbox, adapter: WooCommerceAdapter, clock: FrozenClock
) -> None:
    cursor: list[str | None] = [None]

    def cycle() -> tuple[list[Variant], int]:
        store.log.clear()
        read: list[Variant] = []
        for page in adapter.read_changes(Resource.PRODUCTS, cursor[0]):
            read.extend(page.variants)
            cursor[0] = page.cursor or cursor[0]
        listed = sum(1 for e in store.log.entries() if e.path.endswith("/products"))
        return read, listed

    first, _ = cycle()
    skus = sorted(v.sku for v in first if v.sku and v.tracked)
    assert len(skus) > 200
    clock.advance(timedelta(seconds=30))
    for sku in skus:  # a burst: every product changes in one second
        store.receive_stock(sku, 1)
    clock.advance(timedelta(seconds=5))
    burst, listed = cycle()
    assert len(burst) == len(skus) and listed >= 3

    overlap = adapter.reader.overlap
    clock.advance(timedelta(seconds=overlap // 2))
    quiet, listed = cycle()
    assert quiet == [] and listed >= 3  # inside the window: a late row may still show up
    clock.advance(timedelta(seconds=overlap))
    cycle()  # the window counts back from the last read, which began inside it
    for _ in range(3):  # the last read began a whole window past the burst
        clock.advance(timedelta(seconds=overlap))
        quiet, listed = cycle()
        assert quiet == [] and listed == 1  # it was 3 or more: the burst's pages, every cycle

    clock.advance(timedelta(seconds=20))
    store.receive_stock(skus[7], 2)
    clock.advance(timedelta(seconds=5))
    later, listed = cycle()
    assert [v.sku for v in later] == [skus[7]] and listed == 1

    # The store's clock went back a minute: a change dated then is still read.
    clock.advance(timedelta(seconds=-60))
    store.receive_stock(skus[9], 3)
    back, _ = cycle()
    assert [v.sku for v in back] == [skus[9]]
