"""The WooCommerce transport: one session per shop, signed requests, pacing, retries, typed errors.

Over HTTPS the consumer key and secret go as HTTP Basic; over plain HTTP WooCommerce only accepts
OAuth 1.0a one-legged signatures, which the ``woocommerce`` package's :class:`~woocommerce.oauth.OAuth`
computes, with our own 128-bit nonce: the store refuses a nonce its key used in the last 15 minutes,
and the package's (8 digits from ``random``, shared by forked processes) repeats at volume. A
refusal of the nonce is signed again once (see :meth:`WooClient.retrying`). Every call goes through :func:`connector.http.call_with_retry`; a response becomes a
value or an error from :mod:`connector.errors` by the status table below. The consumer secret never
appears in a URL, a log line or an error message (the OAuth URL carries only the key and signature,
and errors show the route, never the query).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests
from woocommerce.oauth import OAuth

from connector.errors import (
    AuthError,
    ConnectorError,
    PermissionDenied,
    PlatformDetails,
    PlatformFatal,
    PlatformItemError,
    PlatformRetryable,
)
from connector.http import Pacer, RetryPolicy, call_with_retry, make_session
from connector.platform import ApiUsage
from connector.settings import ShopSettings

__all__ = [
    "PER_PAGE",
    "STATUS_ACTIONS",
    "WooAuthError",
    "WooClient",
    "WooNonceRefused",
    "WooPermissionError",
    "WooResponse",
    "batch_updates",
    "item_error",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
API_PREFIX = "/wp-json/wc/v3"
PER_PAGE = 100
"""The most rows WooCommerce answers per list call (``per_page`` above 100 is a 400), and so also
the most ids per ``include=`` and items per ``/batch`` we send."""


class WooAuthError(PlatformFatal, AuthError):
    """WooCommerce refused the key (401)."""


class WooNonceRefused(WooAuthError):
    """The store refused the request's nonce as used in the last 15 minutes (401).

    A fresh signature may pass; :meth:`WooClient.retrying` signs again once, and a second refusal
    in a row propagates (something else repeats our requests).
    """


NONCE_REFUSED = "Invalid nonce"
"""The start of WooCommerce's message for a repeated nonce (``check_oauth_timestamp_and_nonce``)."""


class _Signer(OAuth):  # type: ignore[misc]
    """The package's signature with a nonce of 128 bits from the operating system."""

    @staticmethod
    def generate_nonce() -> str:
        return secrets.token_hex(16)


class WooPermissionError(PlatformFatal, PermissionDenied):
    """The key lacks a permission (a read key writing, say)."""


STATUS_ACTIONS: Mapping[int, str] = {
    400: "skip",
    401: "auth",
    403: "permission",
    404: "skip",
    409: "retry",
    413: "fatal",
    423: "retry",
    429: "retry",
    500: "retry",
    502: "retry",
    503: "retry",
    504: "retry",
}
"""What each HTTP status means for the caller; statuses not listed: 5xx retry, other 4xx skip."""


class WooResponse:
    """A decoded answer: the JSON body, the headers that matter (paging, ``Date``) and how long
    the store took to answer (seconds from sending to its headers)."""

    __slots__ = ("body", "elapsed", "headers", "status")

    def __init__(
        self, status: int, body: Any, headers: Mapping[str, str], elapsed: float = 0.0
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.elapsed = elapsed

    @property
    def total_pages(self) -> int:
        try:
            return int(self.headers.get("X-WP-TotalPages", "1"))
        except ValueError:
            return 1


def batch_updates(path: str, reply: Any, sent: int) -> list[Any]:
    """The per-item answers of a ``POST {path}`` batch update, one per item sent, in order.

    WooCommerce answers 200 with ``{"update": [...]}`` and puts a failed item's reason in that item
    (see :func:`item_error`); any other shape raises :class:`PlatformItemError`.
    """
    items = reply.get("update") if isinstance(reply, dict) else None
    if not isinstance(items, list) or len(items) != sent:
        raise PlatformItemError(
            f"POST {path}: answer does not list each item",
            PlatformDetails("woocommerce", 200, None, "batch_shape", path),
        )
    return items


def item_error(item: Any) -> tuple[int, Mapping[str, Any]] | None:
    """The HTTP status and WooCommerce's ``error`` of one batch item; None when it was applied."""
    problem = item.get("error") if isinstance(item, Mapping) else None
    if not isinstance(problem, Mapping):
        return None
    return int((problem.get("data") or {}).get("status") or 400), problem


def _action(status: int) -> str:
    if status in STATUS_ACTIONS:
        return STATUS_ACTIONS[status]
    return "retry" if status >= 500 else "skip"


_ID = re.compile(r"/\d+")


def _kind(method: str, path: str) -> str:
    """``GET products/{id}/variations``: the kind of call, for comparing like latencies."""
    return f"{method} {_ID.sub('/{id}', '/' + path.lstrip('/'))}"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


class WooClient:
    """Talks to one shop's ``/wp-json/wc/v3``. ``sleep`` is the seam tests use to never wait."""

    def __init__(
        self,
        shop: ShopSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if shop.consumer_key is None or shop.consumer_secret is None:
            raise AuthError(f"{shop.name}: consumer_key and consumer_secret are needed")
        self.shop = shop
        self.usage = ApiUsage()
        self.session = session or make_session(base_url=shop.url)
        self._owns_session = session is None
        self._sleep = sleep or time.sleep
        self._wall = wall
        # The store's answers set the pace; requests_per_second is only the ceiling.
        self.pacer = Pacer(shop.requests_per_second, monotonic=monotonic, sleep=self._sleep)
        self._policy = RetryPolicy(
            max_attempts=max(1, shop.max_retries), timeout=shop.timeout_seconds
        )
        self.base = shop.url.rstrip("/")
        self.oauth = not self.base.startswith("https://")

    @property
    def auth_mode(self) -> str:
        return "oauth1.0a" if self.oauth else "basic"

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    # --- one call -------------------------------------------------------------------------------
    def _url(self, method: str, path: str, params: Mapping[str, Any]) -> tuple[str, Any]:
        url = f"{self.base}{API_PREFIX}/{path.lstrip('/')}"
        assert self.shop.consumer_key is not None and self.shop.consumer_secret is not None
        key, secret = self.shop.consumer_key.reveal(), self.shop.consumer_secret.reveal()
        if not self.oauth:
            query = f"?{urlencode(params)}" if params else ""
            return url + query, (key, secret)
        if params:
            url = f"{url}?{urlencode(params)}"
        signer = _Signer(
            url=url,
            consumer_key=key,
            consumer_secret=secret,
            version="wc/v3",
            method=method,
            oauth_timestamp=int(self._wall()),
        )
        return signer.get_oauth_url(), None

    def _once(
        self, method: str, path: str, params: Mapping[str, Any], body: Any | None
    ) -> WooResponse:
        self.pacer.wait()
        url, auth = self._url(method, path, params)
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        self.usage.requests += 1
        response = self.session.request(
            method, url, data=data, headers=headers, auth=auth, timeout=self._policy.timeout
        )
        return self._decode(method, path, response)

    def _decode(self, method: str, path: str, response: requests.Response) -> WooResponse:
        status = response.status_code
        route = f"{method} /{path.lstrip('/')}"
        try:
            body = response.json()
        except ValueError:
            body = None
        if status in (429, 503):
            self.pacer.refused(_retry_after(response))
        if 200 <= status < 300:
            self.pacer.answered(response.elapsed.total_seconds(), _kind(method, path))
            if body is None:
                # A cut-off body (a proxy or PHP dying mid-answer): the call may succeed again.
                self.usage.errors += 1
                raise PlatformRetryable(
                    f"{route}: unreadable JSON body",
                    PlatformDetails(
                        "woocommerce", status, None, "invalid_json", response.text[:200]
                    ),
                )
            return WooResponse(status, body, response.headers, response.elapsed.total_seconds())
        self.usage.errors += 1
        code = body.get("code") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        details = PlatformDetails(
            "woocommerce",
            status,
            response.headers.get("X-Request-Id"),
            str(code) if code else None,
            (response.text or "")[:300],
        )
        text = f"{route}: {message or response.reason or 'error'}"
        action = _action(status)
        if action == "retry":
            if status == 429:
                self.usage.throttled += 1
            raise PlatformRetryable(text, details, retry_after=_retry_after(response))
        if action == "auth":
            if message and "permission" in str(message):
                raise WooPermissionError(text, details)
            if message and str(message).startswith(NONCE_REFUSED):
                raise WooNonceRefused(text, details)
            raise WooAuthError(text, details)
        if action == "permission":
            raise WooPermissionError(text, details)
        if action == "fatal":
            raise PlatformFatal(text, details)
        raise PlatformItemError(text, details)

    # --- public ---------------------------------------------------------------------------------
    def retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` (which may make several :meth:`once` calls) under the retry function.

        Writers use this to re-read before a retried write, so a write whose answer was lost is
        found applied instead of being sent twice.
        """

        refused: list[WooNonceRefused] = []

        def signed_again_once() -> T:
            try:
                result = attempt()
            except WooNonceRefused as error:
                if refused:
                    raise
                refused.append(error)
                # Retryable once, at once: the next attempt signs with a fresh nonce.
                raise PlatformRetryable(
                    "the store refused the nonce; signing again", error.details, retry_after=0
                ) from error
            return result

        def count_retry(number: int, error: BaseException, delay: float) -> None:
            self.usage.retries += 1
            # Our own errors name the route only; requests' messages carry the signed URL, whose
            # query holds oauth_consumer_key and the signature, so only their type is logged.
            why = str(error) if isinstance(error, ConnectorError) else type(error).__name__
            log.info("woocommerce: retry %d in %.1fs (%s)", number, delay, why)

        return call_with_retry(
            signed_again_once, policy=self._policy, sleep=self._sleep, on_retry=count_retry
        )

    def once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any | None = None,
    ) -> WooResponse:
        """One call, no retry: for use inside :meth:`retrying`."""
        return self._once(method, path, dict(params or {}), body)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any | None = None,
    ) -> WooResponse:
        """One API call with retries; raises a typed error when it finally fails."""
        return self.retrying(lambda: self.once(method, path, params, body))

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> WooResponse:
        return self.request("GET", path, params)

    def post(self, path: str, body: Any) -> WooResponse:
        return self.request("POST", path, None, body)

    def put(self, path: str, body: Any) -> WooResponse:
        return self.request("PUT", path, None, body)
