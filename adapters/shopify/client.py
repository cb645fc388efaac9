"""A small Admin GraphQL client: one session, every call through the shared retry and the shared pacer.

Every answer carries ``extensions.cost.throttleStatus``, reported after Shopify refunded the call
down to its actual cost; the client reports it to the shop's :class:`~connector.http.Pacer`, which
before each call waits until the bucket holds what the call is expected to request (Shopify runs
nothing the bucket cannot hold), so that in steady state it is never THROTTLED and waits only for
what the previous calls actually cost. ``THROTTLED``, 429/503 and the answers' latency go to the
same pacer, as WooCommerce's refusals and latency do.
What comes back is mapped to an action by one table (``STATUS_ACTIONS`` for HTTP statuses,
``CODE_ACTIONS`` for error codes inside a 200) and raised as a typed error from
:mod:`connector.errors`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from adapters.shopify.auth import TokenProvider, base_url
from adapters.shopify.documents import document
from connector.errors import (
    AuthError,
    PermissionDenied,
    PlatformDetails,
    PlatformFatal,
    PlatformItemError,
    PlatformRetryable,
    RetryableError,
)
from connector.http import Bucket, Pacer, RetryPolicy, call_with_retry
from connector.platform import ApiUsage
from connector.settings import ShopSettings

__all__ = [
    "CODE_ACTIONS",
    "STATUS_ACTIONS",
    "GraphQLClient",
    "QueryTooCostly",
    "Throttle",
    "refuse_user_errors",
]

STATUS_ACTIONS: dict[int, str] = {
    401: "auth",
    402: "fatal",  # shop frozen for unpaid bills
    403: "permission",
    404: "fatal",
    423: "fatal",  # shop locked
    429: "retry",
    500: "retry",
    502: "retry",
    503: "retry",
    504: "retry",
}
"""What to do about a non-200 HTTP status; other 5xx retry, other 4xx are fatal."""

CODE_ACTIONS: dict[str, str] = {
    "THROTTLED": "retry",
    "INTERNAL_SERVER_ERROR": "retry",
    "MAX_COST_EXCEEDED": "too_costly",
    "ACCESS_DENIED": "permission",
}
"""What to do about ``errors[].extensions.code`` inside a 200; anything else is fatal (our bug)."""


class QueryTooCostly(PlatformFatal):
    """The query asks for more than one call may (``MAX_COST_EXCEEDED``): ask for smaller pages."""

    def __init__(self, message: str, details: PlatformDetails, cost: int) -> None:
        super().__init__(message, details)
        self.cost = cost


Throttle = Bucket
"""The bucket as last reported (kept under its old name: it is the shared pacer's :class:`Bucket`)."""


class GraphQLClient:
    """POSTs documents to ``/admin/api/{version}/graphql.json`` and returns ``data``."""

    def __init__(
        self,
        shop: ShopSettings,
        *,
        session: requests.Session,
        tokens: TokenProvider,
        sleep: Callable[[float], None],
        usage: ApiUsage,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = f"{base_url(shop)}/admin/api/{shop.api_version}/graphql.json"
        self.session = session
        self.tokens = tokens
        self.usage = usage
        self.policy = RetryPolicy(
            max_attempts=max(1, shop.max_retries), timeout=shop.timeout_seconds
        )
        self._sleep = sleep
        self._monotonic = monotonic
        self._slept = 0.0
        # Shopify's ceiling is its bucket: no requests_per_second of its own (0). The pacer's time
        # line is the client's (_now), so a wait an injected sleep did not really make still counts.
        self.pacer = Pacer(0, monotonic=self._now, sleep=self.sleep)
        self._cost_notes = 0
        self.last_requested: dict[str, int] = {}

    def _now(self) -> float:
        # Time as the bucket sees it: real time plus what we slept (an injected sleep may not wait).
        return self._monotonic() + self._slept

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._slept += seconds
            self._sleep(seconds)

    @property
    def throttle(self) -> Bucket | None:
        """The bucket as Shopify last reported it (None before the first answer that said)."""
        return self.pacer.bucket

    @property
    def cap(self) -> float:
        """The most one call may request: 1000, or less when the bucket is smaller."""
        if self.throttle is None or not self.throttle.maximum:
            return 1000.0
        return min(1000.0, self.throttle.maximum)

    def expected_request(self, key: str) -> float:
        """What a call of ``key`` should request: what it requested last time, else an estimate.

        The bucket must hold a call's requested cost before Shopify runs it, so that is what the
        pace waits for; what Shopify refunds down to the actual cost shows in the next answer's
        ``currentlyAvailable``. A key never sent, the same document at other page sizes
        (``Name:size:size...``), is scaled from what that document requested per item: up by the
        largest ratio of sizes (never less than it will ask), down in proportion plus 2 points a
        connection. A document never sent at all is assumed to cost as much as the dearest seen.
        """
        known = self.last_requested.get(key)
        if known is not None:
            return float(known)
        name, sizes = _key_parts(key)
        guesses: list[float] = []
        for other, requested in self.last_requested.items():
            other_name, other_sizes = _key_parts(other)
            if other_name != name or len(other_sizes) != len(sizes) or 0 in other_sizes:
                continue
            ratio = max((n / m for n, m in zip(sizes, other_sizes, strict=True)), default=1.0)
            guesses.append(requested * ratio + (0 if ratio >= 1 else 2 * len(sizes)))
        if guesses:
            return min(guesses)
        return float(max(self.last_requested.values(), default=0))

    def run(
        self, name: str, variables: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> dict[str, Any]:
        """Send document ``name`` with ``variables``; ``key`` names the pacing estimate (default: name)."""
        return self.execute(document(name), variables or {}, key=key or name)

    def execute(self, query: str, variables: Mapping[str, Any], *, key: str) -> dict[str, Any]:
        renewed = False

        def attempt() -> dict[str, Any]:
            nonlocal renewed
            self.pacer.wait(self.expected_request(key))
            self.usage.requests += 1
            noted = self._cost_notes
            try:
                return self._send(query, variables, key)
            except (PlatformRetryable, requests.RequestException):
                if self._cost_notes == noted:
                    self._charge_unknown(key)
                raise
            except AuthError:
                if self.tokens.renewable and not renewed:
                    renewed = True
                    self.tokens.invalidate()
                    raise PlatformRetryable(
                        "access token refused, asking for a new one",
                        PlatformDetails("shopify", 401),
                    ) from None
                raise

        def on_retry(number: int, error: BaseException, delay: float) -> None:
            self.usage.retries += 1
            self._slept += delay

        try:
            return call_with_retry(
                attempt, policy=self.policy, sleep=self._sleep, on_retry=on_retry
            )
        except RetryableError:
            # call_with_retry gave up (it wraps a last network failure in RetryableError).
            self.usage.errors += 1
            raise

    def _charge_unknown(self, key: str) -> None:
        """An answer we could not read may still have cost points: assume it cost what we asked."""
        self.pacer.spent(self.last_requested.get(key, 0))

    def _send(self, query: str, variables: Mapping[str, Any], key: str) -> dict[str, Any]:
        began = self._monotonic()
        answer = self.session.post(
            self.endpoint,
            data=json.dumps({"query": query, "variables": dict(variables)}),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-Shopify-Access-Token": self.tokens.token(),
            },
            timeout=self.policy.timeout,
        )
        if answer.status_code == 200:
            self.pacer.answered(self._monotonic() - began, key)
        return self._interpret(answer, key)

    @staticmethod
    def _details(answer: requests.Response, code: str | None = None) -> PlatformDetails:
        return PlatformDetails(
            "shopify",
            answer.status_code,
            answer.headers.get("X-Request-Id"),
            code,
            answer.text[:300],
        )

    def _interpret(self, answer: requests.Response, key: str) -> dict[str, Any]:
        status = answer.status_code
        if status != 200:
            action = STATUS_ACTIONS.get(status, "retry" if status >= 500 else "fatal")
            details = self._details(answer)
            if action == "auth":
                raise AuthError(f"Shopify refused the access token ({details.describe()})")
            if action == "permission":
                raise PermissionDenied(f"Shopify denied access ({details.describe()})")
            if action == "retry":
                retry_after = _float(answer.headers.get("Retry-After"))
                if status in (429, 503):
                    self.pacer.refused(retry_after)
                raise PlatformRetryable("Shopify asked us to retry", details, retry_after)
            raise PlatformFatal("Shopify refused the request", details)
        try:
            payload = answer.json()
        except ValueError:
            # A cut-off body: the call may or may not have happened; writes are idempotent.
            raise PlatformRetryable(
                "truncated or invalid JSON answer", self._details(answer)
            ) from None
        if not isinstance(payload, dict):
            raise PlatformRetryable("unexpected answer shape", self._details(answer))
        cost = (payload.get("extensions") or {}).get("cost") or {}
        self._note_cost(cost, key)
        errors = payload.get("errors")
        if errors:
            first: dict[str, Any] = (
                errors[0]
                if isinstance(errors, list) and isinstance(errors[0], dict)
                else {"message": str(errors)}
            )
            code = str((first.get("extensions") or {}).get("code") or "")
            if not code and str(first.get("message", "")).strip().lower() == "throttled":
                code = "THROTTLED"  # the older shape, with no code: the same answer
            details = self._details(answer, code or None)
            action = CODE_ACTIONS.get(code, "fatal")
            message = str(first.get("message", "error"))[:200]
            if code == "THROTTLED":
                self.usage.throttled += 1
                requested = cost.get("requestedQueryCost")
                if (
                    self.throttle is not None
                    and isinstance(requested, int | float)
                    and requested > self.throttle.maximum
                ):
                    # It would never fit, however long we wait: ask for smaller pages instead.
                    raise QueryTooCostly(message, details, int(requested))
            if action == "retry":
                raise PlatformRetryable(message, details, self._throttle_wait(cost))
            if action == "too_costly":
                raise QueryTooCostly(
                    message, details, int((first.get("extensions") or {}).get("cost") or 0)
                )
            if action == "permission":
                raise PermissionDenied(f"{message} ({details.describe()})")
            if payload.get("data") is None:
                raise PlatformFatal(message, details)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise PlatformRetryable("answer without data", self._details(answer))
        return data

    def _note_cost(self, cost: Mapping[str, Any], key: str) -> None:
        self._cost_notes += 1
        status = cost.get("throttleStatus")
        if isinstance(status, Mapping):
            self.pacer.bucket_reported(
                float(status.get("maximumAvailable") or 0),
                float(status.get("currentlyAvailable") or 0),
                float(status.get("restoreRate") or 0),
            )
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self.last_requested[key] = int(requested)
        actual = cost.get("actualQueryCost")
        if isinstance(actual, int | float):
            self.usage.cost += float(actual)

    def _throttle_wait(self, cost: Mapping[str, Any]) -> float | None:
        requested = cost.get("requestedQueryCost")
        return self.pacer.throttled(
            float(requested) if isinstance(requested, int | float) else None
        )


def _key_parts(key: str) -> tuple[str, tuple[int, ...]]:
    """``"CatalogChanges:10:3:levels=5"`` -> ``("CatalogChanges:levels=5", (10, 3))``."""
    words: list[str] = []
    sizes: list[int] = []
    for part in key.split(":"):
        if part.isdigit():
            sizes.append(int(part))
        else:
            words.append(part)
    return ":".join(words), tuple(sizes)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def refuse_user_errors(step: str, order_id: str, payload: Mapping[str, Any]) -> None:
    """Raise a :class:`PlatformItemError` naming ``step`` and the order when a mutation's payload
    carries ``userErrors`` (Shopify answers those with HTTP 200: the item failed, not the call)."""
    errors = payload.get("userErrors") or []
    if errors:
        text = "; ".join(str(e.get("message")) for e in errors if isinstance(e, Mapping))
        raise PlatformItemError(
            f"{step} on {order_id}: {text}",
            PlatformDetails("shopify", 200, None, "USER_ERROR", text[:300]),
        )
