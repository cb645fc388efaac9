"""The webhook endpoint over real HTTP: forged, replayed, oversized and malformed deliveries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.daemon_schema import cycle_runs
from connector.errors import AuthError, PayloadError
from connector.model import Platform, SkippedPayload
from connector.platform import ApiUsage, ResyncTarget, WebhookEvent
from connector.resync_queue import pending_resyncs
from connector.sandbox.base import SandboxServer
from connector.settings import Secret, ShopSettings
from connector.signing import sign
from connector.web.webhooks import WebhookApp
from tests.daemon.conftest import daemon_engine

SECRET = "shpss_test_secret_0123456789"


class SigningAdapter:
    """Only the webhook door of an adapter, verifying Shopify-style signatures (a test double)."""

    platform = Platform.SHOPIFY
    usage = ApiUsage()

    def __init__(self, shop: str, secret: str) -> None:
        self.shop = shop
        self.secret = secret
        self.parsed = 0

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        from connector.signing import verify

        if not verify(self.secret, body, headers.get("x-shopify-hmac-sha256")):
            raise AuthError("signature does not match")
        try:
            payload = json.loads(body)
            order_id = f"gid://shopify/Order/{int(payload['id'])}"
        except (ValueError, KeyError, TypeError) as error:
            raise PayloadError(f"not an order payload: {error}") from error
        self.parsed += 1
        return WebhookEvent(
            platform=self.platform,
            shop=self.shop,
            topic=headers.get("X-Shopify-Topic", ""),
            dedupe_key=headers["X-Shopify-Webhook-Id"],
            target=ResyncTarget(order_ids=(order_id,)),
        )

    def __getattr__(self, name: str) -> object:  # the rest of the adapter is not needed here
        raise AttributeError(name)


def delivery(
    body: bytes, webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Shop-Domain": "sofa-store.myshopify.com",
        "X-Shopify-Hmac-Sha256": sign(SECRET, body),
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-API-Version": "2026-10",
    }


ORDER = json.dumps({"id": 820982911946154508, "email": "jon@example.com", "name": "#9999"}).encode()


class Endpoint:
    def __init__(self, engine: sa.Engine, clock: FrozenClock) -> None:
        shop = ShopSettings(
            name="sofa-store",
            platform=Platform.SHOPIFY,
            url="https://sofa-store.myshopify.com",
            client_secret=Secret(SECRET),
        )
        self.adapter = SigningAdapter("sofa-store", SECRET)
        self.skipped: list[SkippedPayload] = []
        self.woken: list[str] = []
        self.app = WebhookApp(
            engine=engine,
            shops=[shop],
            adapters={"sofa-store": self.adapter},  # type: ignore[dict-item]
            clock=clock,
            max_body=64 * 1024,
            stale_after=timedelta(minutes=15),
            wake=self.woken.append,
            record_skipped=self.skipped.append,
        )
        self.server = SandboxServer(self.app).start()
        self.url = self.server.base_url
        self.engine = engine

    def post(self, body: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(f"{self.url}/webhooks/shopify", data=body, headers=headers, timeout=10)

    def queued(self) -> list[ResyncTarget]:
        return [item.target for item in pending_resyncs(self.engine, "sofa-store")]


@pytest.fixture
def endpoint(tmp_path: Path, clock: FrozenClock) -> Iterator[Endpoint]:
    engine = daemon_engine(f"sqlite:///{tmp_path / 'state.db'}")
    made = Endpoint(engine, clock)
    yield made
    made.server.stop()
    engine.dispose()


@pytest.fixture
def endpoint_any_db(daemon_db: sa.Engine, clock: FrozenClock) -> Iterator[Endpoint]:
    """The endpoint on SQLite and on the real PostgreSQL, for the de-duplication races."""
    made = Endpoint(daemon_db, clock)
    yield made
    made.server.stop()


def test_a_signed_delivery_is_queued_as_a_targeted_resync(endpoint: Endpoint) -> None:
    answer = endpoint.post(ORDER, delivery(ORDER))
    assert answer.status_code == 200
    assert answer.json()["status"] == "queued"
    assert endpoint.queued() == [
        ResyncTarget(order_ids=("gid://shopify/Order/820982911946154508",))
    ]
    assert endpoint.woken == ["sofa-store"]


def test_a_forged_signature_is_refused_and_nothing_is_queued(endpoint: Endpoint) -> None:
    headers = delivery(ORDER)
    headers["X-Shopify-Hmac-Sha256"] = sign("not-the-app-secret", ORDER)
    answer = endpoint.post(ORDER, headers)
    assert answer.status_code == 401
    # Tampering with the body after signing is a forgery too.
    answer = endpoint.post(ORDER.replace(b"9999", b"1111"), delivery(ORDER))
    assert answer.status_code == 401
    assert endpoint.queued() == []


def test_a_replayed_delivery_is_processed_once(endpoint: Endpoint) -> None:
    first = endpoint.post(ORDER, delivery(ORDER))
    replays = [endpoint.post(ORDER, delivery(ORDER)) for _ in range(3)]
    assert first.json()["status"] == "queued"
    assert [r.status_code for r in replays] == [200, 200, 200]  # Shopify must stop retrying
    assert {r.json()["status"] for r in replays} == {"duplicate"}
    assert len(endpoint.queued()) == 1
    # A different delivery about the same order is new work.
    assert endpoint.post(ORDER, delivery(ORDER, webhook_id="another")).json()["status"] == "queued"
    assert len(endpoint.queued()) == 2


def test_concurrent_replays_queue_exactly_once(endpoint_any_db: Endpoint) -> None:
    endpoint = endpoint_any_db
    barrier = threading.Barrier(6)
    statuses: list[str] = []

    def send() -> None:
        barrier.wait()
        statuses.append(endpoint.post(ORDER, delivery(ORDER, webhook_id="race")).json()["status"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == ["duplicate"] * 5 + ["queued"]
    assert len(endpoint.queued()) == 1


def test_an_oversized_body_is_refused_before_it_is_read(endpoint: Endpoint) -> None:
    huge = json.dumps({"id": 1, "note": "x" * 200_000}).encode()
    answer = endpoint.post(huge, delivery(huge))
    assert answer.status_code == 413
    assert endpoint.adapter.parsed == 0
    assert endpoint.queued() == []


def test_malformed_json_is_refused_and_recorded_with_its_reason(endpoint: Endpoint) -> None:
    junk = b'{"id": 8209829119461545'  # truncated
    answer = endpoint.post(junk, delivery(junk))
    assert answer.status_code == 400
    assert endpoint.queued() == []
    [skipped] = endpoint.skipped
    assert skipped.shop == "sofa-store"
    assert "not an order payload" in skipped.reason
    assert skipped.payload == junk.decode()


def test_unknown_platform_path_is_404(endpoint: Endpoint) -> None:
    answer = requests.post(f"{endpoint.url}/webhooks/magento", data=ORDER, timeout=10)
    assert answer.status_code == 404


def test_healthz_turns_ok_after_a_successful_cycle_and_stale_later(
    endpoint: Endpoint, clock: FrozenClock
) -> None:
    answer = requests.get(f"{endpoint.url}/healthz", timeout=10)
    assert answer.status_code == 503
    assert answer.json()["shops"]["sofa-store"]["last_success"] is None
    with endpoint.engine.begin() as conn:
        conn.execute(
            cycle_runs.insert().values(
                shop="sofa-store", kind="cycle", started_at=clock(), finished_at=clock(), ok=True
            )
        )
    answer = requests.get(f"{endpoint.url}/healthz", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    clock.advance(timedelta(minutes=16))
    assert requests.get(f"{endpoint.url}/healthz", timeout=10).status_code == 503


def _run(engine: sa.Engine, at: object, ok: bool, error: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(
            cycle_runs.insert().values(
                shop="sofa-store", kind="cycle", started_at=at, finished_at=at, ok=ok, error=error
            )
        )


def test_healthz_says_unhealthy_when_the_last_cycles_all_failed(
    endpoint: Endpoint, clock: FrozenClock
) -> None:
    """A token revoked a minute after a good cycle: every cycle since fails with 401, and the
    last success is still recent. Three failures in a row are enough to say so."""
    _run(endpoint.engine, clock(), ok=True)
    for _ in range(2):
        clock.advance(timedelta(minutes=1))
        _run(endpoint.engine, clock(), ok=False, error="AuthError: token refused (HTTP 401)")
    assert requests.get(f"{endpoint.url}/healthz", timeout=10).status_code == 200
    clock.advance(timedelta(minutes=1))
    _run(endpoint.engine, clock(), ok=False, error="AuthError: token refused (HTTP 401)")
    answer = requests.get(f"{endpoint.url}/healthz", timeout=10)
    assert answer.status_code == 503
    shop = answer.json()["shops"]["sofa-store"]
    assert answer.json()["status"] == "unhealthy"
    assert shop["healthy"] is False
    assert shop["failed_in_a_row"] == 3
    assert shop["reason"] == ("the last 3 cycles failed: AuthError: token refused (HTTP 401)")
    # One good cycle and the shop is healthy again.
    clock.advance(timedelta(minutes=1))
    _run(endpoint.engine, clock(), ok=True)
    answer = requests.get(f"{endpoint.url}/healthz", timeout=10)
    assert answer.status_code == 200 and answer.json()["shops"]["sofa-store"]["reason"] == ""


def test_healthz_says_why_a_shop_is_stale(endpoint: Endpoint, clock: FrozenClock) -> None:
    _run(endpoint.engine, clock(), ok=True)
    clock.advance(timedelta(minutes=16))
    answer = requests.get(f"{endpoint.url}/healthz", timeout=10)
    assert answer.status_code == 503
    assert answer.json()["shops"]["sofa-store"]["reason"] == (
        "no successful cycle for 16 minutes (limit 15)"
    )


def test_metrics_count_webhook_outcomes(endpoint: Endpoint) -> None:
    endpoint.post(ORDER, delivery(ORDER))
    endpoint.post(ORDER, delivery(ORDER))
    text = requests.get(f"{endpoint.url}/metrics", timeout=10).text
    assert "# TYPE connector_webhooks_total counter" in text
    assert 'connector_webhooks_total{outcome="queued",platform="shopify"} 1' in text
    assert 'connector_webhooks_total{outcome="duplicate",platform="shopify"} 1' in text
