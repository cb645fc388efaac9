"""A Shopify sandbox store and a real ShopifyAdapter pointed at it over 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.shopify import ShopifyAdapter
from connector.clock import FrozenClock
from connector.model import Platform
from connector.platform import ChangePage, Resource
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify import ShopifySandbox
from connector.settings import Secret, ShopSettings
from tests.timeline import bucket_time

SMALL = SeedSpec(seed=5, products=15, customers=8, orders=30)


@dataclass
class Rig:
    store: ShopifySandbox
    adapter: ShopifyAdapter
    clock: FrozenClock
    settings: ShopSettings

    def sleep(self, seconds: float) -> None:
        # The adapter's waits move the shop's time (and so refill its bucket) instead of waiting.
        self.clock.advance(timedelta(seconds=seconds))

    def sync(self, resource: Resource, cursor: str | None) -> tuple[list[ChangePage], str | None]:
        pages = list(self.adapter.read_changes(resource, cursor))
        for page in pages:
            if page.cursor is not None:
                cursor = page.cursor
        return pages, cursor


def settings_for(store: ShopifySandbox, **changes: object) -> ShopSettings:
    base = ShopSettings(
        name="sandbox",
        platform=Platform.SHOPIFY,
        url=store.base_url,
        access_token=Secret(store.access_token),
        client_secret=Secret(store.app_secret),
        # Milliseconds when idle, but a loaded CI machine can take a second: a shorter timeout
        # retried, and the tests counting requests saw two (the noisy tests shorten it themselves).
        timeout_seconds=5.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def make_rig(spec: SeedSpec | None = SMALL, **options: object) -> Rig:
    clock = FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    store_options = {
        k: v for k, v in options.items() if k in ("bucket_size", "restore_rate", "locations")
    }
    shop_options = {k: v for k, v in options.items() if k not in store_options}
    store = ShopifySandbox(
        spec,
        clock=clock,
        bucket_time=bucket_time(clock),
        **store_options,  # type: ignore[arg-type]
    )
    store.start()
    settings = settings_for(store, **shop_options)
    rig = Rig(store, None, clock, settings)  # type: ignore[arg-type]
    rig.adapter = ShopifyAdapter(settings, clock=clock, sleep=rig.sleep)
    return rig


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = make_rig()
    yield made
    made.adapter.close()
    made.store.stop()
