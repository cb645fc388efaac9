"""Answers that mean "later", in the shapes a real shop also sends: waited out, never fatal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.shopify import ShopifyAdapter
from connector.errors import PlatformFatal, RetryableError
from connector.platform import Resource
from tests.adapters.shopify.conftest import Rig, make_rig

SMALL_QUERY = "{ products { edges { node { id } } } }"


def test_a_throttle_answer_without_a_code_is_waited_out(rig: Rig) -> None:
    expected = set(rig.store.state()["variants"])
    rig.store.faults.inject("throttled_plain", 3)
    pages, cursor = rig.sync(Resource.PRODUCTS, None)
    assert {v.platform_id for p in pages for v in p.variants} == expected
    assert cursor is not None
    assert rig.adapter.usage.retries >= 3


def _busy_rig() -> tuple[Rig, list[float]]:
    """A shop above the bulk threshold whose five bulk slots are all taken by running queries."""
    rig = make_rig(bulk_threshold=10)
    rig.store.bulk.gate.clear()
    for _ in range(5):
        op, errors = rig.store.bulk.start(SMALL_QUERY)
        assert op is not None and not errors
    return rig, []


def test_a_first_sync_waits_while_five_bulk_queries_run_then_completes() -> None:
    rig, waits = _busy_rig()

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        rig.clock.advance(timedelta(seconds=seconds))
        if len(waits) == 4:
            rig.store.bulk.gate.set()  # the other operations finish meanwhile
            rig.store.bulk.wait()

    adapter = ShopifyAdapter(rig.settings, clock=rig.clock, sleep=sleep)
    try:
        pages = list(adapter.read_changes(Resource.PRODUCTS, None))
        assert {v.platform_id for p in pages for v in p.variants} == set(
            rig.store.state()["variants"]
        )
        assert len(waits) >= 4
    finally:
        rig.store.bulk.gate.set()
        adapter.close()
        rig.adapter.close()
        rig.store.stop()


def test_bulk_slots_that_never_free_up_end_the_cycle_as_retryable_not_fatal() -> None:
    rig, waits = _busy_rig()

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        rig.clock.advance(timedelta(seconds=seconds))

    adapter = ShopifyAdapter(rig.settings, clock=rig.clock, sleep=sleep)
    try:
        with pytest.raises(RetryableError) as raised:
            list(adapter.read_changes(Resource.PRODUCTS, None))
        assert not isinstance(raised.value, PlatformFatal)
        assert "already in progress" in str(raised.value)
        assert sum(waits) >= 60  # it waited a while before giving the cycle up
    finally:
        rig.store.bulk.gate.set()
        adapter.close()
        rig.adapter.close()
        rig.store.stop()


def test_a_locked_shop_is_one_clear_error_at_once_not_retried(rig: Rig) -> None:
    rig.store.faults.inject("423")
    before = len(rig.store.log)
    with pytest.raises(PlatformFatal) as raised:
        list(rig.adapter.read_changes(Resource.PRODUCTS, None))
    assert "423" in str(raised.value)
    assert len(rig.store.log) - before == 1  # waiting does not unlock a shop
