"""Pacing by the store's answers over real HTTP: a refusal's Retry-After holds every call, the
pace slows after it, and each request, refused ones included, is counted once as the store served
it. A :class:`VirtualTimer` stands for time: nothing waits for real."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from adapters.woocommerce import WooCommerceAdapter
from connector.clock import FrozenClock, VirtualTimer
from connector.http import Pacer
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from connector.sandbox.woocommerce.wsgi import serving
from tests.contract.harness_woocommerce import settings_for


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(SeedSpec(seed=3, products=30, orders=5), clock=clock) as running:
        yield running


def paced(store: WooCommerceSandbox, timer: VirtualTimer, rate: float) -> WooCommerceAdapter:
    shop = dataclasses.replace(settings_for(store), requests_per_second=rate)
    adapter = WooCommerceAdapter(shop, clock=store.clock, sleep=timer.sleep)
    adapter.client.pacer = Pacer(rate, monotonic=timer.monotonic, sleep=timer.sleep)
    return adapter


def test_retry_after_holds_the_calls_and_every_request_is_counted_as_served(
    store: WooCommerceSandbox,
) -> None:
    timer = VirtualTimer()
    adapter = paced(store, timer, 0)
    serving(store).retry_after = "3"
    store.faults.inject("429", 2, path_contains="/products")
    store.log.clear()
    pages = list(adapter.read_changes(Resource.PRODUCTS, None))
    assert sum(len(p.products) for p in pages) == 30
    assert sorted(timer.slept)[-2:] == [3.0, 3.0]  # the store's word, twice
    refused = [e for e in store.log.entries() if e.status == 429]
    assert len(refused) == 2
    assert adapter.usage.requests == len(store.log.entries())
    assert adapter.usage.throttled == 2 and adapter.usage.retries == 2
    assert adapter.client.pacer.gap > 0  # gentler after being refused ...
    adapter.close()


def test_a_503_without_retry_after_backs_off_and_the_pace_recovers(
    store: WooCommerceSandbox,
) -> None:
    timer = VirtualTimer()
    adapter = paced(store, timer, 0)
    serving(store).retry_after = None
    store.faults.inject("503", 1, path_contains="/orders")
    store.log.clear()
    list(adapter.read_changes(Resource.ORDERS, None))
    assert [e.status for e in store.log.entries()] == [503, 200]
    assert adapter.usage.requests == 2 and adapter.usage.retries == 1
    gap = adapter.client.pacer.gap
    assert gap == pytest.approx(Pacer.MIN_REFUSED_GAP * 0.9)  # refused, then one good answer
    list(adapter.read_changes(Resource.PRODUCTS, None))  # good answers bring the pace back
    assert adapter.client.pacer.gap < gap
    adapter.close()


def test_a_healthy_store_is_never_waited_for_under_a_ceiling_it_does_not_reach(
    store: WooCommerceSandbox,
) -> None:
    timer = VirtualTimer()
    adapter = paced(store, timer, 0)
    list(adapter.read_changes(Resource.PRODUCTS, None))
    list(adapter.read_changes(Resource.ORDERS, None))
    # No gap of ours between calls: only the store's own answers set the pace. (Waits for
    # answers much slower than usual are not asserted: a loaded test machine makes some.)
    assert adapter.client.pacer.gap == 0.0
    assert adapter.usage.requests == len(store.log.entries())
    adapter.close()
