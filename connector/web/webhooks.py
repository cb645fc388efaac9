"""The daemon's HTTP endpoint (Werkzeug WSGI): webhooks in, health and metrics out.

* ``POST /webhooks/shopify`` and ``POST /webhooks/woocommerce``: the shop is found from
  ``X-Shopify-Shop-Domain`` / ``X-WC-Webhook-Source``; the raw bytes go to that shop's
  ``adapter.parse_webhook`` (signature checked there, in constant time). 401 on a bad signature,
  413 above the body cap, 400 for junk. A verified delivery is recorded under its ``dedupe_key``
  and queued as a targeted resync *in one transaction*: a replay finds its key and is answered 200
  without queueing anything again. The answer goes out at once; the daemon does the work.
* ``GET /healthz``: per shop, the last successful cycle and whether it is healthy; 503 when any
  enabled shop is not: its last success is older than ``stale_after``, or its last
  ``max_failures`` cycles all failed (a revoked token fails every cycle right after a success).
* ``GET /metrics``: Prometheus text (:mod:`connector.metrics`).

Webhooks are triggers, not truth: a delivery only says *what to re-read*, never what to write.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from requests.structures import CaseInsensitiveDict
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from connector.clock import Clock
from connector.daemon_schema import cycle_runs, webhook_deliveries
from connector.errors import AuthError, PayloadError
from connector.logs import shop_context
from connector.metrics import Metrics
from connector.model import Platform, SkippedPayload, utc
from connector.platform import PlatformAdapter, WebhookEvent
from connector.resync_queue import enqueue_resync
from connector.settings import ShopSettings

__all__ = ["DEFAULT_MAX_BODY", "ShopHealth", "WebhookApp", "last_successes", "shop_health"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 2 * 1024 * 1024
"""Bytes. Real order payloads are a few kB; a few MB leaves room for a huge order and no more."""

_SOURCE_HEADER = {
    Platform.SHOPIFY: "X-Shopify-Shop-Domain",
    Platform.WOOCOMMERCE: "X-WC-Webhook-Source",
}


def _host(value: str) -> str:
    """``https://Shop.Example/`` and ``shop.example`` both become ``shop.example``."""
    value = value.strip().lower()
    if "://" not in value:
        value = f"//{value}"
    parts = urlsplit(value)
    return (parts.netloc + parts.path).rstrip("/")


@dataclass(frozen=True, slots=True)
class ShopHealth:
    shop: str
    last_success: datetime | None
    age_seconds: float | None
    healthy: bool
    failed_in_a_row: int = 0
    reason: str = ""
    """Why the shop is unhealthy, for the person paged; empty when healthy."""


def last_successes(engine: sa.Engine, shop: str | None = None) -> dict[str, datetime]:
    """The last successful cycle per shop (only ``shop``'s when given), across every daemon
    sharing the database: what ``/healthz``, the metrics and ``connector status`` all report."""
    query = (
        sa.select(cycle_runs.c.shop, sa.func.max(cycle_runs.c.finished_at))
        .where(cycle_runs.c.ok.is_(True))
        .where(cycle_runs.c.kind == "cycle")
        .group_by(cycle_runs.c.shop)
    )
    if shop is not None:
        query = query.where(cycle_runs.c.shop == shop)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {row[0]: utc(row[1]) for row in rows if row[1] is not None}


def _latest_cycles(engine: sa.Engine, shop: str, count: int) -> list[tuple[bool, str]]:
    """(ok, error) of the shop's last ``count`` cycles, newest first."""
    query = (
        sa.select(cycle_runs.c.ok, cycle_runs.c.error)
        .where(cycle_runs.c.shop == shop, cycle_runs.c.kind == "cycle")
        .order_by(cycle_runs.c.started_at.desc(), cycle_runs.c.id.desc())
        .limit(count)
    )
    with engine.connect() as conn:
        return [(bool(row[0]), str(row[1] or "")) for row in conn.execute(query)]


def shop_health(
    engine: sa.Engine,
    shops: Iterable[str],
    now: datetime,
    stale_after: timedelta,
    max_failures: int = 3,
) -> list[ShopHealth]:
    """Each shop's health: unhealthy when its last success is older than ``stale_after`` (or
    there is none), or when its last ``max_failures`` cycles all failed (0: never by count)."""
    known = last_successes(engine)
    report = []
    limit = stale_after.total_seconds()
    for shop in shops:
        last = known.get(shop)
        age = (now - last).total_seconds() if last else None
        latest = _latest_cycles(engine, shop, max_failures) if max_failures > 0 else []
        failed = 0
        for ok, _ in latest:
            if ok:
                break
            failed += 1
        reason = ""
        if failed >= max_failures > 0:
            reason = f"the last {failed} cycles failed: {latest[0][1]}".rstrip(": ")
        elif age is None:
            reason = "no successful cycle yet"
        elif age > limit:
            reason = f"no successful cycle for {age / 60:.0f} minutes (limit {limit / 60:.0f})"
        report.append(ShopHealth(shop, last, age, not reason, failed, reason))
    return report


class WebhookApp:
    """The WSGI application. ``adapters`` maps shop names to live adapters (for parse_webhook).

    ``wake(shop)`` is called after a delivery was queued, so the daemon can drain it now instead of
    at the next tick; ``record_skipped`` keeps a signed but unreadable payload with its reason.
    """

    def __init__(
        self,
        *,
        engine: sa.Engine,
        shops: Iterable[ShopSettings],
        adapters: Mapping[str, PlatformAdapter],
        clock: Clock,
        metrics: Metrics | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        stale_after: timedelta = timedelta(minutes=15),
        max_failures: int = 3,
        wake: Callable[[str], None] | None = None,
        record_skipped: Callable[[SkippedPayload], None] | None = None,
    ) -> None:
        self.engine = engine
        self.shops = [shop for shop in shops if shop.enabled]
        self.adapters = adapters
        self.clock = clock
        self.metrics = metrics or Metrics()
        self.max_body = max_body
        self.stale_after = stale_after
        self.max_failures = max_failures
        self.wake = wake
        self.record_skipped = record_skipped
        self.url_map = Map(
            [
                Rule("/webhooks/<platform>", endpoint="webhook", methods=["POST"]),
                Rule("/healthz", endpoint="healthz", methods=["GET"]),
                Rule("/metrics", endpoint="metrics", methods=["GET"]),
            ]
        )

    # WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as error:
            response = error.get_response(environ)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    # endpoints -------------------------------------------------------------------------------

    def on_healthz(self, request: Request) -> Response:
        now = self.clock()
        names = [s.name for s in self.shops]
        report = shop_health(self.engine, names, now, self.stale_after, self.max_failures)
        healthy = all(item.healthy for item in report)
        body = {
            "status": "ok" if healthy else "unhealthy",
            "shops": {
                item.shop: {
                    "last_success": item.last_success.isoformat() if item.last_success else None,
                    "age_seconds": item.age_seconds,
                    "healthy": item.healthy,
                    "failed_in_a_row": item.failed_in_a_row,
                    "reason": item.reason,
                }
                for item in report
            },
        }
        return _json(body, 200 if healthy else 503)

    def on_metrics(self, request: Request) -> Response:
        return Response(self.metrics.render(), 200, content_type="text/plain; version=0.0.4")

    def on_webhook(self, request: Request, platform: str) -> Response:
        try:
            kind = Platform(platform)
        except ValueError:
            raise NotFound() from None
        body = self._read_body(request)
        if body is None:
            return self._answer(kind, "too_large", 413, "body too large")
        headers: Mapping[str, str] = CaseInsensitiveDict(dict(request.headers.items()))
        candidates = self._candidates(kind, headers)
        if not candidates:
            return self._answer(kind, "unknown_shop", 404, "no such shop")
        event: WebhookEvent | None = None
        shop_name = ""
        for shop in candidates:
            adapter = self.adapters.get(shop.name)
            if adapter is None:
                continue
            with shop_context(shop.name):
                try:
                    event = adapter.parse_webhook(headers, body)
                except AuthError:
                    continue
                except PayloadError as error:
                    self._skip(shop.name, headers, body, str(error))
                    return self._answer(kind, "malformed", 400, "malformed payload")
                except (
                    ValueError
                ) as error:  # junk an adapter did not wrap: still the sender's fault
                    self._skip(shop.name, headers, body, f"unreadable: {error}")
                    return self._answer(kind, "malformed", 400, "malformed payload")
            shop_name = shop.name
            break
        if event is None:
            log.warning("webhook refused: signature does not match any %s shop", kind.value)
            return self._answer(kind, "bad_signature", 401, "invalid signature")
        with shop_context(shop_name):
            return self._accept(kind, shop_name, event)

    # helpers ---------------------------------------------------------------------------------

    def _read_body(self, request: Request) -> bytes | None:
        length = request.content_length
        if length is not None and length > self.max_body:
            return None
        body = request.stream.read(self.max_body + 1)
        return None if len(body) > self.max_body else body

    def _candidates(self, kind: Platform, headers: Mapping[str, str]) -> list[ShopSettings]:
        mine = [shop for shop in self.shops if shop.platform is kind]
        source = headers.get(_SOURCE_HEADER[kind], "")
        if source:
            wanted = _host(source)
            named = [
                shop
                for shop in mine
                if wanted
                in {_host(shop.url), shop.name.lower(), f"{shop.name.lower()}.myshopify.com"}
            ]
            if named:
                return named
        # An unfamiliar source header (a proxy, a renamed domain): the signature still decides,
        # tried against each shop's own secret.
        return mine

    def _accept(self, kind: Platform, shop: str, event: WebhookEvent) -> Response:
        if event.ping:
            return self._answer(kind, "ping", 200, "pong")
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    webhook_deliveries.insert().values(
                        shop=shop,
                        dedupe_key=event.dedupe_key[:500],
                        topic=event.topic,
                        received_at=now,
                    )
                )
                if not event.target.is_empty or event.target.uninstalled:
                    enqueue_resync(
                        conn, shop, event.target, source=f"webhook:{event.topic}", now=now
                    )
        except sa.exc.IntegrityError:
            log.info("webhook %s replayed; already queued", event.topic)
            return self._answer(kind, "duplicate", 200, "duplicate")
        log.info("webhook %s queued", event.topic, extra={"topic": event.topic})
        if self.wake is not None:
            try:
                self.wake(shop)
            except Exception:
                log.exception("could not wake the daemon; the next tick drains the queue")
        return self._answer(kind, "queued", 200, "queued")

    def _skip(self, shop: str, headers: Mapping[str, str], body: bytes, reason: str) -> None:
        log.warning("webhook payload skipped: %s", reason)
        if self.record_skipped is None:
            return
        topic = headers.get("X-Shopify-Topic") or headers.get("X-WC-Webhook-Topic") or "webhook"
        try:
            self.record_skipped(
                SkippedPayload(
                    shop=shop,
                    resource=f"webhook:{topic}",
                    platform_id=headers.get("X-Shopify-Webhook-Id")
                    or headers.get("X-WC-Webhook-ID")
                    or "",
                    reason=reason,
                    payload=body.decode("utf-8", "replace")[:100_000],
                )
            )
        except Exception:
            log.exception("could not record the skipped payload")

    def _answer(self, kind: Platform, outcome: str, status: int, message: str) -> Response:
        self.metrics.inc("connector_webhooks_total", platform=kind.value, outcome=outcome)
        return _json({"status": outcome, "message": message}, status)


def _json(data: object, status: int) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")
