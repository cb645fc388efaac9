"""The shared HTTP helpers: one session factory, one retry function, one pacer.

Pacing follows the store (see :class:`Pacer`): answers, latency and refusals set it, the shop's
``requests_per_second`` is only its ceiling. A store that meters calls by cost (Shopify's leaky
bucket) reports its bucket to the same pacer, which then also waits for the points a call needs.

Adapters build their requests on a :func:`make_session` session (keep-alive, the seam tests swap) and
send every call through :func:`call_with_retry`. The adapter's own code turns a response into either a
value or a typed error from :mod:`connector.errors`; this module decides what to do about it:

* :class:`~connector.errors.RetryableError` (and ``requests`` timeouts, connection resets and
  truncated bodies) is retried with exponential backoff and full jitter, honouring ``retry_after``;
* anything else propagates at once.

The sleep function is injected, so tests and the sandbox never wait for real.
"""

from __future__ import annotations

import os
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
    "Bucket",
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


def make_session(pool_size: int = 4, base_url: str | None = None) -> requests.Session:
    """A keep-alive session with our user agent. Retries are ours, never urllib3's.

    With ``base_url`` (the one host the session talks to) the environment's proxy and CA bundle
    settings are read once, here, instead of on every request: ``requests`` otherwise walks the
    whole environment and looks for a ``.netrc`` per call, a millisecond or more each on a busy
    machine, which is the connector's own time added to every answer the store gives.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"backorder-connector/{__version__}"
    if base_url is not None:
        session.proxies.update(requests.utils.get_environ_proxies(base_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
        session.trust_env = False  # what it would read is read above; our auth is explicit
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


@dataclass(slots=True)
class Bucket:
    """A store's cost bucket as last reported (Shopify's ``throttleStatus``), and when, on the
    pacer's time line."""

    maximum: float = 0.0
    available: float = 0.0
    restore_rate: float = 0.0
    at: float = 0.0

    def expected(self, now: float) -> float:
        """Points the bucket should hold at ``now``, restored since the report."""
        return min(self.maximum, self.available + (now - self.at) * self.restore_rate)


class Pacer:
    """Paces one shop's calls by the store's own answers, with ``rate`` per second as a ceiling.

    Calls go one at a time, so a healthy store sets the pace by how fast it answers; the
    connector adds no wait of its own unless the next call would pass the ceiling (``rate``; 0
    means none). What the store says slows us down:

    * **429 / 503** (:meth:`refused`): every call waits until ``Retry-After`` has passed (not only
      the one retried; without the header, the retry's own back-off), and the gap between calls
      doubles (at least :data:`MIN_REFUSED_GAP`); each good answer after that shrinks it by a
      tenth until the ceiling is back: the store refused once, so we come back gently.
    * **latency** (:meth:`answered`): when answers of one kind take over three times as long as
      the quickest the store has shown for that kind (an average over recent answers), it is busy
      with others; the next call waits the excess, so our share of its time stays what it was.

    * **a cost bucket** (:meth:`bucket_reported`, Shopify's ``throttleStatus``): before a call
      expected to request ``cost`` points, :meth:`wait` also waits until the bucket should hold
      them (the store runs nothing its bucket cannot hold), so a steady run is never refused;
      a refusal for cost (:meth:`throttled`, Shopify's ``THROTTLED``) holds every call until the
      bucket should hold what was asked.

    Thread-safe. ``monotonic`` and ``sleep`` are the seams tests use
    (:class:`connector.clock.VirtualTimer`): nothing waits for real.
    """

    MIN_REFUSED_GAP = 0.25
    """Seconds between calls right after a refusal, at least."""
    MAX_GAP = 30.0
    BUSY = 2.0
    """Answers this much slower than the baseline (3 times as long) mean the store is busy."""

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ceiling = 1.0 / rate if rate > 0 else 0.0
        self._gap = self._ceiling
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._hold_until = 0.0
        self.bucket: Bucket | None = None
        """The store's cost bucket as last reported, if it meters calls by cost."""
        self._latency: dict[str, tuple[float, float]] = {}
        """Per kind of call: the recent average latency and the lowest such average seen."""
        self._lock = threading.Lock()
        self.waited = 0.0
        """Seconds this pacer made callers wait, in all (for benchmarks and logs)."""
        self.answering = 0.0
        """Seconds the store took to answer the good calls, in all, as :meth:`answered` heard."""

    @property
    def gap(self) -> float:
        """Seconds between the starts of two calls, as things stand."""
        return self._gap

    def wait(self, cost: float = 0.0) -> float:
        """Block until the next call may go; returns the seconds waited.

        ``cost``: the points the call is expected to request from the store's bucket (0 when the
        store has none, or the cost is not known).
        """
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next, self._hold_until, self._bucket_ready(now, cost))
            self._next = start + self._gap
        delay = start - now
        if delay > 0:
            self._sleep(delay)
            with self._lock:
                self.waited += delay
        return max(0.0, delay)

    def answered(self, latency: float, kind: str = "") -> None:
        """A good answer that took ``latency`` seconds; ``kind`` names the sort of call (a route),
        so a big page is compared with big pages, not with the quick answers of another route."""
        with self._lock:
            self._gap = max(self._ceiling, self._gap * 0.9)
            if self._gap - self._ceiling < 0.001:
                self._gap = self._ceiling
            latency = max(0.0, latency)
            self.answering += latency
            known = self._latency.get(kind)
            average = latency if known is None else 0.8 * known[0] + 0.2 * latency
            baseline = average if known is None else min(known[1], average)
            self._latency[kind] = (average, baseline)
            excess = average - baseline
            if excess > self.BUSY * baseline and excess > 0.01:
                self._next = max(self._next, self._monotonic() + min(excess, self.MAX_GAP))

    def refused(self, retry_after: float | None) -> None:
        """The store answered 429 or 503 (``Retry-After`` seconds when it said so)."""
        with self._lock:
            now = self._monotonic()
            self._gap = min(self.MAX_GAP, max(self.MIN_REFUSED_GAP, self._gap * 2))
            if retry_after is not None and retry_after > 0:
                self._hold_until = max(self._hold_until, now + min(retry_after, self.MAX_GAP * 4))

    def bucket_reported(self, maximum: float, available: float, restore_rate: float) -> None:
        """The store's bucket now: ``available`` of ``maximum`` points, ``restore_rate`` a second."""
        with self._lock:
            self.bucket = Bucket(maximum, available, restore_rate, self._monotonic())

    def spent(self, cost: float) -> None:
        """A call whose answer told nothing of the bucket (lost, cut off) may still have cost
        ``cost`` points: count them gone."""
        with self._lock:
            bucket = self.bucket
            if bucket is None:
                return
            now = self._monotonic()
            left = max(0.0, bucket.expected(now) - cost)
            self.bucket = Bucket(bucket.maximum, left, bucket.restore_rate, now)

    def throttled(self, requested: float | None) -> float | None:
        """The store refused a call for cost (its bucket held less than the ``requested`` points).

        Every call waits until the bucket should hold them again (the bucket, just reported by
        :meth:`bucket_reported`, says exactly when: no doubling of the gap as for a 429); returns
        those seconds for the retry, or None when the bucket or the cost is not known.
        """
        with self._lock:
            bucket = self.bucket
            if bucket is None or bucket.restore_rate <= 0 or requested is None:
                return None
            now = self._monotonic()
            delay = max(0.0, (requested + 1 - bucket.expected(now)) / bucket.restore_rate)
            self._hold_until = max(self._hold_until, now + delay)
            return delay

    def _bucket_ready(self, now: float, cost: float) -> float:
        """When the bucket should hold ``cost`` points plus a margin (``now`` if it has none).

        The margin (one point and a tenth of a second of restore) absorbs rounding in the
        reported status and time the store did not count between our calls.
        """
        bucket = self.bucket
        if bucket is None or bucket.restore_rate <= 0 or cost <= 0:
            return now
        margin = 1 + bucket.restore_rate * 0.1
        need = min(cost + margin, bucket.maximum) - bucket.expected(now)
        return now + need / bucket.restore_rate if need > 0 else now
