"""Shopify's webhooks as a shop really sends them, into the daemon's endpoint.

One event reaches us once per subscription (each delivery its own ``X-Shopify-Webhook-Id``, all
the same ``X-Shopify-Event-Id``): it is queued once. An order edit (``orders/edited``, whose body is
an order edit naming its order) and a refund (``refunds/create``, a refund naming its order) each
queue a re-read of their order, and the next cycle shows the order as it now is.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.demo import DemoShop, demo_settings
from connector.model import Platform
from connector.resync_queue import pending_resyncs
from connector.sandbox.base import SandboxServer
from connector.sandbox.seed import SeedSpec
from tests.e2e.test_webhooks_live import Recorder

SPEC = SeedSpec(seed=6, products=4, customers=3, orders=0)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[SimpleNamespace]:
    from connector.sandbox.shopify import ShopifySandbox

    clock = FrozenClock(SPEC.start)
    store = ShopifySandbox(SPEC, clock=clock, webhook_retry_delays=()).start()
    clock.advance(timedelta(hours=1))
    settings = demo_settings(
        [DemoShop("shop-s", Platform.SHOPIFY, store)], "sqlite://", tmp_path / "outbox"
    )
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    recorder = Recorder(daemon.webhook_app())
    server = SandboxServer(recorder).start()
    daemon.callback_base = server.base_url
    try:
        yield SimpleNamespace(store=store, db=db, daemon=daemon, server=server, clock=clock)
    finally:
        server.stop()
        daemon.close()
        db.close()
        store.stop()


def _answers(live: SimpleNamespace, topic: str) -> list[str]:
    return [
        str(status)
        for d in live.store.webhooks.deliveries
        if d.topic == topic
        for status in d.statuses
    ]


def _queued_orders(live: SimpleNamespace) -> list[str]:
    return [o for p in pending_resyncs(live.db.engine, "shop-s") for o in p.target.order_ids]


def _settle(live: SimpleNamespace) -> None:
    live.store.webhooks.wait_idle()
    time.sleep(0.05)


def test_one_event_delivered_to_two_subscriptions_is_queued_once(live: SimpleNamespace) -> None:
    # The first cycle's storefront writes would send products/update webhooks while it holds
    # SQLite's write lock: subscribe once it is done.
    live.daemon.run_once(deliver=False)
    assert live.daemon.repair_webhooks("shop-s")
    # A second subscription for the same topic (another app version's URL, say).
    uri = next(w.uri for w in live.store.data.webhooks.values() if w.topic == "ORDERS_CREATE")
    answer = requests.post(
        f"{live.store.base_url}/admin/api/2026-10/graphql.json",
        json={
            "query": "mutation($u: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE, "
            "webhookSubscription: {uri: $u}) { userErrors { message } } }",
            "variables": {"u": uri + "?copy=1"},
        },
        headers={"X-Shopify-Access-Token": live.store.access_token},
        timeout=10,
    )
    assert answer.json()["data"]["webhookSubscriptionCreate"]["userErrors"] == []
    sku = next(v.sku for v in live.store.data.variants.values() if v.available > 2)
    order = live.store.place_order("ada@example.com", [(sku, 1)], name="Ada")
    _settle(live)
    creates = [d for d in live.store.webhooks.deliveries if d.topic == "orders/create"]
    assert len(creates) == 2 and len({d.webhook_id for d in creates}) == 2
    assert len({d.event_id for d in creates}) == 1
    assert _answers(live, "orders/create") == ["200", "200"]  # both answered at once
    sources = [p.source for p in pending_resyncs(live.db.engine, "shop-s")]
    assert sources.count("webhook:orders/create") == 1
    assert order in _queued_orders(live)


def test_an_order_edit_and_a_refund_each_re_read_their_order(live: SimpleNamespace) -> None:
    live.daemon.run_once(deliver=False)
    assert live.daemon.repair_webhooks("shop-s")
    sku = next(v.sku for v in live.store.data.variants.values() if v.available > 5)
    order = live.store.place_order("bo@example.com", [(sku, 4)], name="Bo")
    live.store.webhooks.wait_idle()
    live.daemon.run_once(deliver=False)
    assert pending_resyncs(live.db.engine, "shop-s") == []

    live.clock.advance(timedelta(minutes=1))
    live.store.edit_order_line(order, sku, 3)
    _settle(live)
    assert _answers(live, "orders/edited") == ["200"]
    sources = {p.source: p.target.order_ids for p in pending_resyncs(live.db.engine, "shop-s")}
    assert sources["webhook:orders/edited"] == (order,)
    live.daemon.run_once(deliver=False)
    [line] = live.db.order("shop-s", order).lines  # type: ignore[union-attr]
    assert line.open_quantity == 3

    live.clock.advance(timedelta(minutes=1))
    live.store.refund_order_line(order, sku, 2)
    _settle(live)
    assert _answers(live, "refunds/create") == ["200"]
    sources = {p.source: p.target.order_ids for p in pending_resyncs(live.db.engine, "shop-s")}
    assert sources["webhook:refunds/create"] == (order,)
    live.daemon.run_once(deliver=False)
    [line] = live.db.order("shop-s", order).lines  # type: ignore[union-attr]
    assert line.open_quantity == 1


def test_a_product_taken_out_of_a_collection_is_re_read_from_the_collections_webhook(
    live: SimpleNamespace,
) -> None:
    sku = next(iter(live.store.data.by_sku))
    collection = live.store.create_collection("Garden Sofas", skus=[sku])
    live.daemon.run_once(deliver=False)
    assert live.daemon.repair_webhooks("shop-s")
    product_id = live.db.variant_by_sku("shop-s", sku).product_id  # type: ignore[union-attr]
    assert "Garden Sofas" in live.db.product("shop-s", product_id).collections  # type: ignore[union-attr]

    live.clock.advance(timedelta(minutes=1))
    live.store.remove_from_collection("garden-sofas", sku)
    _settle(live)
    assert _answers(live, "collections/update") == ["200"]
    sources = {p.source: p.target.product_ids for p in pending_resyncs(live.db.engine, "shop-s")}
    assert sources["webhook:collections/update"] == (collection,)
    live.daemon.run_once(deliver=False)
    assert pending_resyncs(live.db.engine, "shop-s") == []
    assert live.db.product("shop-s", product_id).collections == ()  # type: ignore[union-attr]
