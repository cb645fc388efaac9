"""What both adapters share: construction, payload edge helpers, header lookup, page folding.

Platform-specific code stays in ``adapters/shopify`` and ``adapters/woocommerce``; only pieces
that are the same on both sides live here, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import requests

from connector.clock import Clock, system_clock
from connector.errors import ConnectorError, PayloadError, RetryableError
from connector.model import (
    Order,
    Platform,
    Product,
    SkippedPayload,
    Variant,
    WriteResult,
    WriteStatus,
    utc,
)
from connector.platform import ChangePage, Resource
from connector.settings import ShopSettings

__all__ = ["AdapterBase", "header", "merge_pages", "parse_time", "skipped"]

SKIPPED_PAYLOAD_CHARS = 4000
"""How much of a payload that did not fit is kept for the store owner to look at."""


class AdapterBase:
    """Construction shared by the adapters; a subclass builds its transport in :meth:`_connect`.

    ``session`` and ``sleep`` are seams for tests: a prepared ``requests.Session`` and a sleep
    that does not really wait.
    """

    platform: Platform

    def __init__(
        self,
        shop: ShopSettings,
        *,
        clock: Clock = system_clock,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = shop
        self.shop = shop.name
        self.clock = clock
        self._connect(session, sleep)

    def _connect(
        self, session: requests.Session | None, sleep: Callable[[float], None] | None
    ) -> None:
        raise NotImplementedError


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of HTTP header ``name``, whatever its case in ``headers``, or None."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def parse_time(value: Any, field: str = "date") -> datetime:
    """An ISO 8601 timestamp (``Z``, an offset, or none meaning UTC) as an aware UTC datetime.

    Raises :class:`PayloadError` naming ``field`` when the value is missing or not a timestamp.
    """
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{field} is missing or not text: {value!r}")
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise PayloadError(f"{field} is not a timestamp: {value!r}") from None


def failed_write(key: str, error: ConnectorError) -> WriteResult:
    """A write that raised: failed, with the error's words, retryable when the error says so."""
    return WriteResult(key, WriteStatus.FAILED, str(error), isinstance(error, RetryableError))


def skipped(shop: str, resource: str, payload: Any, reason: str | Exception) -> SkippedPayload:
    """A payload we could not use, kept with its reason and its JSON (cut to a sane size)."""
    platform_id = str(payload.get("id", "")) if isinstance(payload, Mapping) else ""
    try:
        text = json.dumps(payload)[:SKIPPED_PAYLOAD_CHARS]
    except (TypeError, ValueError):
        text = repr(payload)[:SKIPPED_PAYLOAD_CHARS]
    if isinstance(reason, Exception):
        reason = str(reason) or type(reason).__name__
    return SkippedPayload(shop, resource, platform_id, reason, text)


def merge_pages(resource: Resource, pages: Iterable[ChangePage]) -> ChangePage:
    """Fold pages into one (a full re-read asked for by a resync); cursors are dropped."""
    products: list[Product] = []
    variants: list[Variant] = []
    orders: list[Order] = []
    skips: list[SkippedPayload] = []
    for page in pages:
        products += page.products
        variants += page.variants
        orders += page.orders
        skips += page.skipped
    return ChangePage(
        resource,
        products=tuple(products),
        variants=tuple(variants),
        orders=tuple(orders),
        skipped=tuple(skips),
    )
