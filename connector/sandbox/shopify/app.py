"""The Shopify sandbox store: a WSGI app on 127.0.0.1 speaking the Admin GraphQL API.

Routes:

* ``POST /admin/api/{version}/graphql.json`` — the API (token in ``X-Shopify-Access-Token``);
* ``POST /admin/oauth/access_token`` — client-credentials grant and authorization-code exchange;
* ``GET /admin/oauth/authorize`` — the install consent screen, approved at once;
* ``GET /__sandbox/bulk/{n}.jsonl`` — bulk operation results;
* ``/__sandbox/...`` — the control API (see :meth:`ShopifySandbox._control`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
import struct
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from connector.clock import FrozenClock, system_clock
from connector.sandbox.base import (
    FaultInjector,
    LoggedRequest,
    RequestLog,
    SandboxServer,
    SandboxStore,
)
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify import control, oauth
from connector.sandbox.shopify.bulk import BulkRunner
from connector.sandbox.shopify.collection_control import CollectionControl
from connector.sandbox.shopify.cost import LeakyBucket
from connector.sandbox.shopify.graphql_api import GraphQLEndpoint
from connector.sandbox.shopify.order_control import OrderControl
from connector.sandbox.shopify.records import gid
from connector.sandbox.shopify.schema import load_schema
from connector.sandbox.shopify.store import ShopData
from connector.sandbox.shopify.webhooks import SHOPIFY_RETRIES, WebhookSender

__all__ = ["DEFAULT_SCOPES", "ShopifySandbox"]

DEFAULT_SCOPES = (
    "read_products",
    "write_products",
    "read_inventory",
    "read_locations",
    "read_orders",
    "write_orders",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "read_discounts",
    "write_discounts",
)

UNAUTHORIZED = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}

Start = Callable[..., Any]


class ShopifySandbox(OrderControl, CollectionControl, SandboxStore):
    """A local Shopify shop. Implements :class:`connector.sandbox.base.SandboxStore`."""

    def __init__(
        self,
        seed_spec: SeedSpec | None = None,
        *,
        clock: FrozenClock | None = None,
        bucket_size: float = 2000,
        restore_rate: float = 100,
        app_secret: str | None = None,
        access_token: str | None = None,
        client_id: str | None = None,
        port: int = 0,
        api_version: str = "2026-10",
        scopes: Iterable[str] = DEFAULT_SCOPES,
        bucket_time: Callable[[], float] | None = None,
        webhook_retry_delays: Iterable[float] = SHOPIFY_RETRIES,
        faults: FaultInjector | None = None,
        locations: int = 1,
    ) -> None:
        # Werkzeug logs every request line to stderr; the request log is ours to read instead.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.clock = clock or FrozenClock(system_clock().replace(microsecond=0))
        self.seed_spec = seed_spec
        self.app_secret = app_secret or secrets.token_hex(16)
        self.access_token = access_token or f"shpat_{secrets.token_hex(16)}"
        self.client_id = client_id or secrets.token_hex(16)
        self.api_version = api_version
        self.scopes = list(scopes)
        self.faults = faults or FaultInjector()
        self.log = RequestLog()
        self.issued_tokens: dict[str, float] = {}
        self.auth_codes: set[str] = set()
        self.installed = True
        self.domain = "sandbox-shop.myshopify.com"
        self._folder = Path(tempfile.mkdtemp(prefix="shopify-sandbox-"))
        self._server = SandboxServer(self, port=port)
        self.data = ShopData(self.clock)
        self.fail_operations: dict[str, str] = {}
        """Operation name -> a fault kind (``"500"``) its next request gets before it runs."""
        self.slow_answers: set[str] = set()
        """Operation names (``OrderCapture``) answered ``faults.slow_seconds`` late, after they
        ran: a client killed while it waits has done the write without learning it."""
        self.data.locations = locations
        self.bucket = LeakyBucket(bucket_size, restore_rate, bucket_time or time.monotonic)
        self.webhooks = WebhookSender(
            self.data, self.app_secret, self.domain, api_version, tuple(webhook_retry_delays)
        )
        self.data.emit = self.webhooks.event
        self.bulk = BulkRunner(load_schema(), self.data, self._folder, self._bulk_url)
        self._shop = {
            "id": gid("Shop", 1),
            "name": "Sandbox Shop",
            "email": "owner@sandbox-shop.example",
            "myshopifyDomain": self.domain,
            "currencyCode": "USD",
            "ianaTimezone": "UTC",
            "plan": {
                "publicDisplayName": "Basic",
                "partnerDevelopment": True,
                "shopifyPlus": False,
            },
        }
        self.graphql = GraphQLEndpoint(
            self.bulk.schema, self.data, self.bulk, self.bucket, shop=self._shop, scopes=self.scopes
        )
        if seed_spec is not None:
            with self.data.lock:
                self.data.seed(seed_spec)

    # ---- SandboxStore ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def _bulk_url(self, number: int) -> str:
        return f"{self.base_url}/__sandbox/bulk/{number}.jsonl"

    def credentials(self) -> Mapping[str, str]:
        return {
            "url": self.base_url,
            "access_token": self.access_token,
            "client_id": self.client_id,
            "client_secret": self.app_secret,
            "api_version": self.api_version,
        }

    def advance_clock(self, delta: timedelta) -> datetime:
        return self.clock.advance(delta)

    def receive_stock(self, sku: str, quantity: int) -> None:
        with self.data.lock:
            self.data.receive_stock(sku, quantity)

    def set_release_date(self, sku: str, release: date | None) -> None:
        with self.data.lock:
            self.data.set_release_date(sku, release)

    def state(self) -> dict[str, Any]:
        with self.data.lock:
            return self.data.state()

    def reset(self) -> None:
        with self.data.lock:
            self.data.clear()
            if self.seed_spec is not None:
                self.data.seed(self.seed_spec)
        self.log.clear()
        self.faults.clear()
        self.bucket.reset()

    def uninstall(self) -> None:
        """The merchant removes the app: tokens stop working and app/uninstalled is sent."""
        with self.data.lock:
            self.installed = False
            self.webhooks.event("app/uninstalled", {"domain": self.domain})

    def start(self) -> ShopifySandbox:
        self._server.start()
        return self

    def stop(self) -> None:
        self.webhooks.close()
        # The server notices a shutdown only between connections (or every half second): knock
        # until it has stopped, so a test suite does not wait half a second per store.
        stopping = threading.Thread(target=self._server.stop, daemon=True)
        stopping.start()
        while stopping.is_alive():
            with contextlib.suppress(OSError):
                socket.create_connection(
                    (self._server.host, self._server.port), timeout=0.2
                ).close()
            stopping.join(0.01)

    def __enter__(self) -> ShopifySandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if path.startswith("/__sandbox/"):
            status, headers, body = control.handle(self, method, path, raw)
            return self._send(start, status, headers, body)
        fault = self.faults.next_fault(path)
        for name in list(self.fail_operations):
            if name.encode() in raw:
                fault = self.fail_operations.pop(name)
                break
        request_id = str(uuid.uuid4())
        if fault == "reset":
            self.log.add(LoggedRequest(method, path, 0, fault=fault))
            self._reset(environ)
            # Headers "sent" on a dropped connection: the server sees a client gone, not a bug.
            start("200 OK", [("Content-Length", "0")])
            return []
        if fault in ("429", "500", "502", "503"):
            code = int(fault)
            self.log.add(LoggedRequest(method, path, code, fault=fault))
            headers = [("Content-Type", "application/json"), ("X-Request-Id", request_id)]
            if code == 429:
                headers.append(("Retry-After", "2.0"))
                return self._send(
                    start,
                    429,
                    headers,
                    json.dumps(
                        {
                            "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
                        }
                    ).encode(),
                )
            return self._send(
                start, code, headers, json.dumps({"errors": "Internal Server Error"}).encode()
            )
        if fault == "423":
            # A locked shop (too many API calls over time, or an account problem): every call is
            # refused until Shopify unlocks it; no wait helps.
            self.log.add(LoggedRequest(method, path, 423, fault=fault))
            headers = [("Content-Type", "application/json"), ("X-Request-Id", request_id)]
            return self._send(start, 423, headers, json.dumps({"errors": "Locked"}).encode())
        if fault == "throttled_plain":
            # Shopify's older throttle answer, still seen: a 200 with a message and no code.
            self.log.add(LoggedRequest(method, path, 200, fault=fault))
            body = json.dumps({"errors": [{"message": "Throttled"}]}).encode()
            return self._send(start, 200, [("Content-Type", "application/json")], body)
        if fault == "batch_partial" and b"mutation" not in raw:
            # Only a write can partly fail: keep the fault for the next one.
            self.faults.inject("batch_partial", 1)
            fault = None
        status, headers, body, cost, label = self._api(
            method,
            path,
            environ,
            raw,
            throttle=fault == "throttled",
            fail_writes=fault == "batch_partial",
        )
        headers.append(("X-Request-Id", request_id))
        self.log.add(LoggedRequest(method, path, status, cost=cost, fault=fault, operation=label))
        if fault == "slow" or label in self.slow_answers:
            time.sleep(self.faults.slow_seconds)
        if fault == "truncate":
            body = body[: max(1, len(body) // 2)]
        return self._send(start, status, headers, body)

    @staticmethod
    def _send(
        start: Start, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> list[bytes]:
        reasons = {
            200: "OK",
            201: "Created",
            302: "Found",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            423: "Locked",
            429: "Too Many Requests",
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
        }
        start(
            f"{status} {reasons.get(status, 'Status')}",
            [*headers, ("Content-Length", str(len(body)))],
        )
        return [body]

    @staticmethod
    def _reset(environ: dict[str, Any]) -> None:
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            # SO_LINGER 0 makes close() send RST: the client sees a reset connection.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # The server still holds the socket's file; shutting it down drops the connection now.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _authorized(self, environ: dict[str, Any]) -> bool:
        token = environ.get("HTTP_X_SHOPIFY_ACCESS_TOKEN", "")
        if not self.installed or not token:
            return False
        if secrets.compare_digest(token, self.access_token):
            return True
        expires = self.issued_tokens.get(token)
        return expires is not None and expires > self.clock().timestamp()

    def _api(
        self,
        method: str,
        path: str,
        environ: dict[str, Any],
        raw: bytes,
        *,
        throttle: bool,
        fail_writes: bool = False,
    ) -> tuple[int, list[tuple[str, str]], bytes, float, str]:
        json_type = [("Content-Type", "application/json; charset=utf-8")]
        if path == "/admin/oauth/access_token" and method == "POST":
            status, payload = oauth.token(self, environ, raw)
            return status, json_type, json.dumps(payload).encode(), 0, "oauth"
        if path == "/admin/oauth/authorize":
            return oauth.authorize(self, environ)
        parts = path.strip("/").split("/")
        if (
            len(parts) == 4
            and parts[:2] == ["admin", "api"]
            and parts[3] == "graphql.json"
            and method == "POST"
        ):
            if not self._authorized(environ):
                return 401, json_type, json.dumps(UNAUTHORIZED).encode(), 0, ""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            payload, cost, label = self.graphql.answer(
                body, throttle=throttle, fail_writes=fail_writes
            )
            return 200, json_type, json.dumps(payload).encode(), cost, label
        return 404, json_type, json.dumps({"errors": "Not Found"}).encode(), 0, ""
