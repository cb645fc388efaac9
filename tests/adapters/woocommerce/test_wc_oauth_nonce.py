"""OAuth 1.0a at volume: nonces that never repeat, and a repeat the store refuses signed again once.

A real store refuses a nonce its key used in the last 15 minutes (PLATFORMS.md, "Seen on a real
WooCommerce 7.9 store"). The ``woocommerce`` package's nonce is 8 digits from ``random``: processes
forked from one parent share that generator's state and sign with the same nonces, and at a few
thousand requests in 15 minutes a repeat is likely anyway.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from adapters.woocommerce import WooCommerceAdapter
from adapters.woocommerce.client import WooAuthError
from connector.clock import FrozenClock
from connector.model import Variant
from connector.platform import Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.woocommerce import WooCommerceSandbox
from tests.contract.harness_woocommerce import settings_for

SPEC = SeedSpec(seed=5, products=6, variants_per_product=(1, 1), orders=3)


@pytest.fixture
def store(clock: FrozenClock) -> Iterator[WooCommerceSandbox]:
    with WooCommerceSandbox(SPEC, clock=clock) as running:
        yield running


def new_adapter(store: WooCommerceSandbox) -> WooCommerceAdapter:
    return WooCommerceAdapter(settings_for(store), clock=store.clock, sleep=lambda _s: None)


def products(adapter: WooCommerceAdapter) -> list[Variant]:
    return [v for page in adapter.read_changes(Resource.PRODUCTS, None) for v in page.variants]


def test_the_store_is_signed_over_plain_http(store: WooCommerceSandbox) -> None:
    assert store.base_url.startswith("http://")


def test_two_workers_forked_from_one_process_do_not_repeat_each_others_nonces(
    store: WooCommerceSandbox,
) -> None:
    # A fork copies the parent's random generator: both children draw the same numbers.
    inherited = random.getstate()
    first, second = new_adapter(store), new_adapter(store)
    try:
        assert products(first)
        random.setstate(inherited)
        assert len(products(second)) == len(products(first)) == 6
    finally:
        first.close()
        second.close()


def test_a_nonce_the_store_refuses_once_is_signed_again_and_the_sync_completes(
    store: WooCommerceSandbox,
) -> None:
    adapter = new_adapter(store)
    try:
        store.auth.refuse_nonces(1)
        assert len(products(adapter)) == 6
    finally:
        adapter.close()


def test_a_nonce_refused_twice_in_a_row_stops_with_the_stores_reason_after_two_tries(
    store: WooCommerceSandbox,
) -> None:
    adapter = new_adapter(store)
    try:
        store.auth.refuse_nonces(5)
        store.log.clear()
        with pytest.raises(WooAuthError, match="Invalid nonce - nonce has already been used"):
            products(adapter)
        assert [entry.status for entry in store.log.entries()] == [401, 401]
    finally:
        adapter.close()
