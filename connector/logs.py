"""Structured logs for the daemon: text or JSON, the shop on every line, never a secret.

Call :func:`configure_logging` once at start. Code that works on one shop wraps that work in
:func:`shop_context`; every record logged inside it (from any module, in that thread) carries the
shop. Secrets never reach a line: :class:`~connector.settings.Secret` renders as ``***`` by itself,
and :class:`RedactingFilter` masks anything that still looks like a credential (access tokens,
consumer keys and secrets, ``Authorization`` headers, passwords in URLs).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Literal, TextIO

__all__ = [
    "JsonFormatter",
    "RedactingFilter",
    "configure_logging",
    "current_shop",
    "redact",
    "shop_context",
]

_SHOP: contextvars.ContextVar[str] = contextvars.ContextVar("connector_shop", default="-")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Shopify tokens and secrets (shpat_, shpss_, shpca_, ...), WooCommerce keys (ck_/cs_).
    (re.compile(r"\b(shp[a-z]{2}_)[0-9A-Za-z]{6,}"), r"\1***"),
    (re.compile(r"\b(c[ks]_)[0-9A-Za-z]{6,}"), r"\1***"),
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(basic|bearer)?\s*[^\s\"',}]+"),
        r"\1***",
    ),
    (re.compile(r"(?i)(x-shopify-access-token[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"), r"\1***"),
    (
        re.compile(
            r"(?i)((?:password|secret|token|consumer_key|consumer_secret|signature)=)[^&\s]+"
        ),
        r"\1***",
    ),
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1***@"),
)


def redact(text: str) -> str:
    """``text`` with anything that looks like a credential masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def current_shop() -> str:
    """The shop the current thread works on, or ``-``."""
    return _SHOP.get()


@contextlib.contextmanager
def shop_context(shop: str) -> Iterator[None]:
    """Tag every log record made inside the block with ``shop``."""
    token = _SHOP.set(shop)
    try:
        yield
    finally:
        _SHOP.reset(token)


class RedactingFilter(logging.Filter):
    """Adds ``record.shop`` and masks credentials in the formatted message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "shop"):
            record.shop = current_shop()
        # Format once here so the arguments (which might hold a raw token) never reach a handler.
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, shop, message, and any ``extra`` fields."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "shop"}

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "shop": getattr(record, "shop", current_shop()),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            data["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each line, not at setup.

    So a test harness or a wrapper that swaps stderr (and closes the old one) never leaves the
    daemon logging into a closed file.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


TEXT_FORMAT = "%(asctime)s %(levelname)-7s shop=%(shop)s %(name)s: %(message)s"


def configure_logging(
    fmt: Literal["text", "json"] = "text",
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Route the root logger to ``stream`` (stderr) in ``fmt``; returns the handler it installed.

    Replaces the root logger's handlers (``logging.basicConfig``'s too), so lines never double.
    """
    handler: logging.Handler = logging.StreamHandler(stream) if stream else _StderrHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name("connector")
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
