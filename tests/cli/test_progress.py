"""A long first sync off a terminal says where it is: each phase, counts and rate, and the end."""

from __future__ import annotations

import logging

import pytest

from connector.cli.progress import LoggedProgress
from connector.platform import Resource
from connector.sync import SyncResult


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_first_sync_logs_each_phase_counts_every_interval_and_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks = Ticks()
    progress = LoggedProgress("acme", every=30, monotonic=ticks)
    result = SyncResult()
    caplog.set_level(logging.INFO, logger="connector.sync")
    for page in range(1, 13):  # 12 pages of 250 products with 2 variants each, 10 s apart
        ticks.now += 10
        result.pages, result.products, result.variants = page, 250 * page, 500 * page
        progress(Resource.PRODUCTS, result)
    ticks.now += 10
    result.pages, result.orders = 13, 100
    progress(Resource.ORDERS, result)
    progress.done()
    assert [record.getMessage() for record in caplog.records] == [
        "first sync of acme: reading products (1 pages, 250 products, 500 variants, 0 orders so far)",
        "first sync of acme: products: 4 pages, 1000 products, 2000 variants, 0 orders "
        "(75 objects/s, 40 s)",
        "first sync of acme: products: 7 pages, 1750 products, 3500 variants, 0 orders "
        "(75 objects/s, 70 s)",
        "first sync of acme: products: 10 pages, 2500 products, 5000 variants, 0 orders "
        "(75 objects/s, 100 s)",
        "first sync of acme: reading orders (13 pages, 3000 products, 6000 variants, 100 orders so far)",
        "first sync of acme done: 13 pages, 3000 products, 6000 variants, 100 orders "
        "(70 objects/s, 130 s)",
    ]
