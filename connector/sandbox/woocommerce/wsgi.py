"""The WSGI face of the sandbox: faults, authentication, JSON, the request log, ``/__sandbox/``."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import requests

from connector.sandbox.base import LoggedRequest
from connector.sandbox.woocommerce.api import Request
from connector.sandbox.woocommerce.auth import ApiKey
from connector.sandbox.woocommerce.catalog import WooError

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["Serving", "make_app", "serving"]

PREFIX = "/wp-json/wc/v3"
StartResponse = Callable[..., Any]
_JSON = "application/json; charset=UTF-8"


def _answer(
    start: StartResponse, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()
) -> list[bytes]:
    body = json.dumps(payload).encode()
    start(
        f"{status} {_REASONS.get(status, 'OK')}",
        [("Content-Type", _JSON), ("Content-Length", str(len(body))), *headers],
    )
    return [body]


_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class Serving:
    """How the sandbox serves API requests, and the time it spent doing so.

    ``latency`` is added to every API answer (a real store's PHP takes tens to hundreds of
    milliseconds; loopback Python takes a few); ``retry_after`` is the header sent with injected
    429 and 503 answers (None: no header). ``seconds`` sums each API request's serving time, from
    the request reaching the app to its answer being ready: the store's own time, which the
    benchmarks compare with the connector's wall time.
    """

    def __init__(self) -> None:
        self.latency = 0.0
        self.retry_after: str | None = "1"
        self.seconds = 0.0
        self.requests = 0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds
            self.requests += 1

    def reset(self) -> None:
        with self._lock:
            self.seconds = 0.0
            self.requests = 0


_SERVING: weakref.WeakKeyDictionary[Any, Serving] = weakref.WeakKeyDictionary()


def serving(store: WooCommerceSandbox) -> Serving:
    """The :class:`Serving` of ``store``: set its latency, read its serving time."""
    return _SERVING.setdefault(store, Serving())


def make_app(
    store: WooCommerceSandbox,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI application serving ``store``."""
    stats = serving(store)

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/wp-json"):
            began = time.perf_counter()
            if stats.latency > 0:
                time.sleep(stats.latency)
            try:
                return answer(environ, start)
            finally:
                stats.add(time.perf_counter() - began)
        return answer(environ, start)

    def answer(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        raw_query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if path.startswith("/__sandbox/"):
            return _control(store, method, path.removeprefix("/__sandbox/"), raw, start)
        if path == "/wc-auth/v1/authorize":
            return _authorize(store, dict(parse_qsl(raw_query)), start)
        if not path.startswith("/wp-json"):
            return _answer(
                start,
                404,
                {"code": "rest_no_route", "message": "Not found.", "data": {"status": 404}},
            )
        route = path.removeprefix(PREFIX) if path.startswith(PREFIX) else path
        operation = f"{method} {store.api.route_name(route)}"
        fault = store.faults.next_fault(path)
        if fault == "slow":
            time.sleep(store.faults.slow_seconds)
        elif fault == "reset":
            store.log.add(LoggedRequest(method, path, 0, fault=fault, operation=operation))
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                # shutdown() ends the connection even while werkzeug's file objects hold it.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError("sandbox fault: reset")
        elif fault in ("429", "500", "502", "503"):
            status = int(fault)
            store.log.add(LoggedRequest(method, path, status, fault=fault, operation=operation))
            wait = stats.retry_after
            extra = [("Retry-After", wait)] if status in (429, 503) and wait is not None else []
            return _answer(
                start,
                status,
                {
                    "code": "sandbox_fault",
                    "message": f"Injected {fault}.",
                    "data": {"status": status},
                },
                extra,
            )
        elif fault == "batch_partial":
            store.arm_batch_fault()
        query: dict[str, str] = dict(parse_qsl(raw_query, keep_blank_values=True))
        host = environ.get("HTTP_HOST") or f"127.0.0.1:{environ.get('SERVER_PORT')}"
        https = environ.get("HTTP_X_FORWARDED_PROTO", "") == "https"
        scheme = "https" if https else "http"
        url = f"{scheme}://{host}{path}" + (f"?{raw_query}" if raw_query else "")
        try:
            if route.strip("/") or method != "GET":
                store.auth.check(
                    method,
                    f"{scheme}://{host}{path}",
                    query,
                    environ.get("HTTP_AUTHORIZATION", ""),
                    https,
                )
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
            clean = {
                k: v
                for k, v in query.items()
                if not k.startswith("oauth_") and k not in ("consumer_key", "consumer_secret")
            }
            status, payload, headers = store.api.handle(Request(method, route, clean, body, url))
        except WooError as error:
            status, payload, headers = error.status, error.body(), []
        store.log.add(LoggedRequest(method, path, status, fault=fault, operation=operation))
        result = _answer(start, status, payload, headers)
        if fault == "truncate":
            data = result[0]
            return [data[: max(1, len(data) // 2)]]
        return result

    return app


def _control(
    store: WooCommerceSandbox, method: str, name: str, raw: bytes, start: StartResponse
) -> list[bytes]:
    """The control interface over HTTP, for the sandbox when it runs as a process."""
    args: dict[str, Any] = json.loads(raw) if raw else {}
    try:
        result: Any = None
        if name == "state":
            result = store.state()
        elif name == "log":
            result = [_entry(entry) for entry in store.log.entries()]
        elif name == "advance_clock":
            result = store.advance_clock(timedelta(seconds=float(args["seconds"]))).isoformat()
        elif name == "receive_stock":
            store.receive_stock(str(args["sku"]), int(args["quantity"]))
        elif name == "place_order":
            result = store.place_order(
                str(args["email"]),
                [(str(sku), int(qty)) for sku, qty in args["lines"]],
                name=str(args.get("name", "")),
                locale=args.get("locale"),
                checkout=bool(args.get("checkout", True)),
            )
        elif name == "cancel_order":
            store.cancel_order(str(args["order_id"]))
        elif name == "edit_order_line":
            store.edit_order_line(str(args["order_id"]), str(args["sku"]), int(args["quantity"]))
        elif name == "set_release_date":
            release = args.get("release")
            store.set_release_date(
                str(args["sku"]), date.fromisoformat(release) if release else None
            )
        elif name == "deliver_webhooks":
            result = store.deliver_webhooks()
        elif name == "faults":
            if "kind" in args:
                store.faults.inject(
                    str(args["kind"]), int(args.get("count", 1)), args.get("path_contains")
                )
            if "rate" in args:
                store.faults.set_rate(float(args["rate"]), args.get("kinds"), args.get("seed"))
            if args.get("clear"):
                store.faults.clear()
        elif name == "reset":
            store.reset()
        elif name == "serving":
            stats = serving(store)
            if "latency" in args:
                stats.latency = float(args["latency"])
            if "retry_after" in args:
                value = args["retry_after"]
                stats.retry_after = None if value is None else str(value)
            if args.get("reset"):
                stats.reset()
            result = {
                "seconds": stats.seconds,
                "requests": stats.requests,
                "latency": stats.latency,
                "retry_after": stats.retry_after,
            }
        else:
            return _answer(start, 404, {"error": f"unknown control {name!r}"})
    except (KeyError, ValueError) as error:
        return _answer(start, 400, {"error": str(error)})
    return _answer(start, 200, {"ok": True, "result": result})


def _authorize(
    store: WooCommerceSandbox, query: dict[str, str], start: StartResponse
) -> list[bytes]:
    """The key flow, approved at once (a real store shows the owner a login and an Approve button).

    WooCommerce posts the new key as JSON to ``callback_url`` and then redirects to ``return_url``.
    Real stores refuse a callback that is not HTTPS; the sandbox takes plain HTTP on 127.0.0.1.
    """
    scope = query.get("scope", "")
    if scope not in ("read", "write", "read_write") or not query.get("callback_url"):
        return _answer(
            start, 400, {"code": "woocommerce_rest_invalid_scope", "message": "Invalid scope."}
        )
    key = ApiKey("ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20), scope)
    store.auth.add(key)
    payload = {
        "key_id": len(store.auth.keys),
        "user_id": query.get("user_id", ""),
        "consumer_key": key.consumer_key,
        "consumer_secret": key.consumer_secret,
        "key_permissions": scope,
    }
    try:
        requests.post(query["callback_url"], json=payload, timeout=5)
    except requests.RequestException:
        return _answer(
            start,
            400,
            {
                "code": "woocommerce_rest_callback_failed",
                "message": "Error: An error occurred in the request and at the time were unable to send the consumer data.",
            },
        )
    location = f"{query.get('return_url', '/')}?success=1&user_id={query.get('user_id', '')}"
    start("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


def _entry(entry: Any) -> dict[str, Any]:
    return {
        "method": entry.method,
        "path": entry.path,
        "status": entry.status,
        "fault": entry.fault,
        "operation": entry.operation,
    }
