"""Real webhooks from both sandbox stores into the daemon's endpoint, verified by the real adapters.

Registered through webhook repair, delivered with each platform's own headers and signature, queued
as targeted resyncs and drained by the next cycle; a replay of a captured delivery is answered but
not queued again, and a forged copy is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.model import Platform
from connector.resync_queue import pending_resyncs
from connector.sandbox.base import SandboxServer
from connector.sandbox.seed import demo_spec


class Recorder:
    """WSGI middleware keeping every webhook delivery's raw headers and body (to replay them)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.deliveries: list[tuple[str, dict[str, str], bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            import io

            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            headers = {
                key[5:].replace("_", "-").title(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
            self.deliveries.append((environ["PATH_INFO"], headers, body))
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


@pytest.fixture
def live(tmp_path: Path) -> Iterator[SimpleNamespace]:
    from connector.demo import demo_settings
    from connector.sandbox.shopify import ShopifySandbox
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    shopify = ShopifySandbox(demo_spec(), clock=clock, webhook_retry_delays=()).start()
    woo = WooCommerceSandbox(demo_spec(), clock=clock).start()
    clock.advance(timedelta(hours=1))
    shops = [
        SimpleNamespace(name="shop-s", platform=Platform.SHOPIFY, store=shopify),
        SimpleNamespace(name="shop-w", platform=Platform.WOOCOMMERCE, store=woo),
    ]
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    settings = demo_settings(shops, "sqlite://", tmp_path / "outbox")  # type: ignore[arg-type]
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    recorder = Recorder(daemon.webhook_app())
    server = SandboxServer(recorder).start()
    daemon.callback_base = server.base_url
    try:
        yield SimpleNamespace(
            daemon=daemon, db=db, shopify=shopify, woo=woo, server=server, recorder=recorder
        )
    finally:
        server.stop()
        daemon.close()
        db.close()
        shopify.stop()
        woo.stop()


def _wait_for(condition: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_real_deliveries_are_verified_queued_drained_and_never_doubled(
    live: SimpleNamespace,
) -> None:
    daemon, db = live.daemon, live.db
    assert daemon.repair_webhooks("shop-s")
    assert daemon.repair_webhooks("shop-w")
    daemon.run_once(deliver=False)

    sku = next(v.sku for v in db.variants("shop-w") if v.available > 3)
    shopify_order = live.shopify.place_order("ada@example.com", [(sku, 1)], name="Ada")
    woo_order = live.woo.place_order("ada@example.com", [(sku, 1)], name="Ada")
    live.woo.deliver_webhooks()
    assert _wait_for(
        lambda: pending_resyncs(db.engine, "shop-s") and pending_resyncs(db.engine, "shop-w")
    )
    queued = {
        shop: {i for p in pending_resyncs(db.engine, shop) for i in p.target.order_ids}
        for shop in ("shop-s", "shop-w")
    }
    assert shopify_order in queued["shop-s"]
    assert woo_order in queued["shop-w"]

    # Replays of every captured delivery are answered 200 and queue nothing new.
    before = {shop: len(pending_resyncs(db.engine, shop)) for shop in ("shop-s", "shop-w")}
    for path, headers, body in list(live.recorder.deliveries):
        answer = requests.post(
            f"{live.server.base_url}{path}", data=body, headers=headers, timeout=10
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] in ("duplicate", "ping")
    after = {shop: len(pending_resyncs(db.engine, shop)) for shop in ("shop-s", "shop-w")}
    assert after == before

    # A forged copy (the body changed after signing) is refused.
    path, headers, body = next(d for d in live.recorder.deliveries if b"ada@example.com" in d[2])
    forged = body.replace(b"ada@example.com", b"eve@example.com")
    answer = requests.post(
        f"{live.server.base_url}{path}", data=forged, headers=headers, timeout=10
    )
    assert answer.status_code == 401

    # The next cycle drains the queue: the orders are in the database, nothing stays pending.
    daemon.run_once(deliver=False)
    assert db.order("shop-s", shopify_order) is not None
    assert db.order("shop-w", woo_order) is not None
    assert pending_resyncs(db.engine, "shop-s") == [] == pending_resyncs(db.engine, "shop-w")

    health = requests.get(f"{live.server.base_url}/healthz", timeout=10)
    assert health.status_code == 200 and set(health.json()["shops"]) == {"shop-s", "shop-w"}
    metrics = requests.get(f"{live.server.base_url}/metrics", timeout=10).text
    assert 'connector_webhooks_total{outcome="bad_signature"' in metrics
    assert 'connector_cycles_total{outcome="ok",shop="shop-s"}' in metrics
    assert "connector_api_requests_total" in metrics
    assert 'connector_queue_waiting_lines{shop="shop-w"}' in metrics
