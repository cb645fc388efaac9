"""What both sandbox stores share: a threaded WSGI server on 127.0.0.1, faults, a request log.

Every sandbox store implements :class:`SandboxStore`, the control interface that tests, benchmarks
and ``connector demo`` drive in-process (the same operations are served over HTTP under
``/__sandbox/`` when the store runs as a process).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import formatdate
from typing import Any, Protocol

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from connector.clock import FrozenClock

__all__ = [
    "FAULT_KINDS",
    "FaultInjector",
    "LoggedRequest",
    "RequestLog",
    "SandboxServer",
    "SandboxStore",
]

FAULT_KINDS = (
    "429",
    "500",
    "502",
    "503",
    "slow",
    "reset",
    "truncate",
    "throttled",
    "throttled_plain",
    "batch_partial",
    "423",
)
"""Fault names. ``throttled`` is Shopify's 200 THROTTLED; ``throttled_plain`` the older shape with
no code (``{"errors": [{"message": "Throttled"}]}``); ``batch_partial`` fails some batch items;
``423`` is Shopify's locked shop."""


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    cost: float = 0.0
    fault: str | None = None
    operation: str = ""
    """GraphQL operation name or REST route, for counting calls by kind."""


class RequestLog:
    """Every request the store answered, for tests and benchmarks that count calls and cost."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


@dataclass
class _Forced:
    kind: str
    remaining: int
    path_contains: str | None


@dataclass
class FaultInjector:
    """Decides which requests fail, on demand (``inject``) or at a random ``rate`` with a seed.

    Faults are only injected into API requests, never into the ``/__sandbox/`` control routes.
    ``slow_seconds`` is how long a ``slow`` answer waits (past the client's timeout in tests).
    """

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = ("429", "500", "503", "reset", "truncate")
    slow_seconds: float = 2.0
    _forced: list[_Forced] = field(default_factory=list)
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def inject(self, kind: str, count: int = 1, path_contains: str | None = None) -> None:
        """Make the next ``count`` matching requests fail with ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._forced.append(_Forced(kind, count, path_contains))

    def set_rate(
        self, rate: float, kinds: Iterable[str] | None = None, seed: int | None = None
    ) -> None:
        with self._lock:
            self.rate = rate
            if kinds is not None:
                self.kinds = tuple(kinds)
            if seed is not None:
                self._rng = random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self._forced.clear()
            self.rate = 0.0

    def next_fault(self, path: str) -> str | None:
        """The fault for this request, or None to answer normally."""
        with self._lock:
            for forced in self._forced:
                if forced.path_contains is None or forced.path_contains in path:
                    forced.remaining -= 1
                    if forced.remaining <= 0:
                        self._forced.remove(forced)
                    return forced.kind
            if self.rate > 0 and self._rng.random() < self.rate:
                return self._rng.choice(self.kinds)
        return None


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _dated_handler(clock: Callable[[], datetime]) -> type[WSGIRequestHandler]:
    """A request handler whose ``Date`` header is the store's clock, as a real web server's is."""

    class DatedHandler(WSGIRequestHandler):
        def date_time_string(self, timestamp: float | None = None) -> str:
            return formatdate(clock().timestamp(), usegmt=True)

    return DatedHandler


class SandboxServer:
    """Serves a WSGI app on 127.0.0.1 in a background thread. Use as a context manager."""

    def __init__(
        self,
        app: WSGIApp,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        handler = WSGIRequestHandler if clock is None else _dated_handler(clock)
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.host = host
        self.port = self._server.server_port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SandboxStore(Protocol):
    """The control interface both sandbox stores offer (in-process and under ``/__sandbox/``).

    Ids are the platform's own (Shopify GIDs, WooCommerce numeric ids as strings).
    """

    clock: FrozenClock
    faults: FaultInjector
    log: RequestLog

    @property
    def base_url(self) -> str: ...

    def credentials(self) -> Mapping[str, str]:
        """The credentials in the platform's own format, e.g. ``access_token`` / ``consumer_key``."""
        ...

    def advance_clock(self, delta: timedelta) -> datetime: ...

    def receive_stock(self, sku: str, quantity: int) -> None:
        """A restock arrives: available goes up by ``quantity`` (the change the connector must see)."""
        ...

    def place_order(
        self,
        email: str,
        lines: Iterable[tuple[str, int]],
        *,
        name: str = "",
        locale: str | None = None,
        checkout: bool = True,
    ) -> str:
        """Place an order for (sku, quantity) lines as a storefront checkout would; returns its id.

        Raises ValueError when the platform would refuse it (a DENY variant without stock).
        """
        ...

    def cancel_order(self, order_id: str) -> None: ...

    def edit_order_line(self, order_id: str, sku: str, quantity: int) -> None:
        """Change a line's quantity (0 removes it), as an order edit would."""
        ...

    def set_release_date(self, sku: str, release: date | None) -> None:
        """Optional: record a product's release date where the platform has somewhere to keep it."""
        ...

    def state(self) -> dict[str, Any]:
        """The full store state as plain JSON-able data (products, variants, orders, holds, tags)."""
        ...

    def reset(self) -> None: ...

    def start(self) -> SandboxStore: ...

    def stop(self) -> None: ...
