"""A quiet shop is listed from where the last read left it, not a whole overlap window back.

The cursor keeps the second before which every row was final when its last whole read began (the
store's ``Date``); the next read starts there. Counted where the sandbox served the requests:
after a burst of changes, a quiet cycle lists one page per resource instead of every page of
the burst (which used to be listed again each cycle for ``overlap_seconds``); a change after
that is still read, and a store whose clock went back is listed over the overlap window again.
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

    # Well inside the overlap window (300 s), the store's clock has moved past the burst.
    for _ in range(3):
        clock.advance(timedelta(seconds=20))
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
