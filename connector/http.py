"""The shared HTTP helpers: one session factory, one retry function, one pacer.

Adapters build their requests on a :func:`make_session` session (keep-alive, the seam tests swap) and
send every call through :func:`call_with_retry`. The adapter's own code turns a response into either a
value or a typed error from :mod:`connector.errors`; this module decides what to do about it:

* :class:`~connector.errors.RetryableError` (and ``requests`` timeouts, connection resets and
  truncated bodies) is retried with exponential backoff and full jitter, honouring ``retry_after``;
* anything else propagates at once.

The sleep function is injected, so tests and the sandbox never wait for real.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from connector import __version__
from connector.errors import RetryableError

__all__ = [
    "Pacer",
    "RetryPolicy",
    "call_with_retry",
    "make_session",
    "safe_url",
    "transport_failure",
]

T = TypeVar("T")

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
"""Failures of the wire itself: always worth another try."""

_RETRYABLE: tuple[type[BaseException], ...] = (RetryableError, *TRANSPORT_ERRORS)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    timeout: float = 30.0
    """Seconds for each HTTP call (connect and read); every call has one."""


def make_session(pool_size: int = 4) -> requests.Session:
    """A keep-alive session with our user agent. Retries are ours, never urllib3's."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"backorder-connector/{__version__}"
    return session


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff for the ``attempt``-th retry (1-based)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))
    return (rng or random).uniform(0, ceiling)


def call_with_retry(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    rng: random.Random | None = None,
) -> T:
    """Run ``attempt`` until it returns, retrying retryable failures a bounded number of times.

    ``attempt`` must raise :class:`RetryableError` (or let a ``requests`` transport error through) for
    what may succeed later. After ``policy.max_attempts`` tries the last error is raised as is.
    ``on_retry(number, error, delay)`` is told about each retry (for logs and metrics).
    """
    number = 0
    while True:
        number += 1
        try:
            return attempt()
        except _RETRYABLE as error:
            if number >= policy.max_attempts:
                if isinstance(error, RetryableError):
                    raise
                # requests' own messages carry the full URL, query string and all (OAuth 1.0a
                # signatures, keys): say what failed and where without it.
                # `from None`: the requests error would carry the signed URL into a --debug traceback.
                tries = f"{number} attempt{'' if number == 1 else 's'}"
                raise RetryableError(
                    f"network error after {tries}: {transport_failure(error)}"
                ) from None
            delay = backoff_delay(number, policy, rng)
            retry_after = getattr(error, "retry_after", None)
            if retry_after is not None:
                delay = max(delay, min(float(retry_after), policy.max_delay * 4))
            if on_retry is not None:
                on_retry(number, error, delay)
            sleep(delay)


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def safe_url(url: str) -> str:
    """``url`` without what may be secret: user and password, query string and fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def transport_failure(error: BaseException) -> str:
    """``connection refused (GET http://shop.example/wp-json/wc/v3/products)``: what went wrong on
    the wire and where, in words a store owner can act on, with no query string or credentials."""
    if isinstance(error, requests.exceptions.Timeout):
        what = "timed out"
    elif isinstance(error, requests.exceptions.ConnectionError):
        found = _ERRNO.search(str(error))
        what = found.group(1).strip().casefold() if found else "could not connect"
    else:
        what = f"broken response ({type(error).__name__})"
    request = getattr(error, "request", None)
    url = getattr(request, "url", None)
    if not url:
        return what
    return f"{what} ({getattr(request, 'method', None) or 'GET'} {safe_url(str(url))})"


class Pacer:
    """Keeps calls at most ``rate`` per second (0 means no pacing). Thread-safe."""

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, extra: float = 0.0) -> None:
        """Block until the next call may go; ``extra`` pushes the next slot later (server asked)."""
        if self._interval == 0.0 and extra == 0.0:
            return
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next)
            self._next = start + self._interval + extra
        if start > now:
            self._sleep(start - now)
