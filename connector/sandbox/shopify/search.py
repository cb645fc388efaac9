"""Shopify's ``query:`` search syntax (the subset the connector uses) and cursor pagination.

Supported terms, joined by spaces (AND): ``field:value``, ``field:>value``, ``field:>=value``,
``field:<value``, ``field:<=value``, values optionally quoted. Fields: ``updated_at``,
``created_at``, ``id``, ``sku``, ``status``, ``tag``. Unknown fields match nothing, as Shopify's
search returns nothing for them rather than failing.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Term", "decode_cursor", "encode_cursor", "page", "parse_query"]

_TERM = re.compile(r"""(\w+):(>=|<=|>|<)?("[^"]*"|'[^']*'|\S+)""")


@dataclass(frozen=True, slots=True)
class Term:
    field: str
    op: str
    value: str

    def compare(self, actual: Any) -> bool:
        expected: Any = self.value
        if isinstance(actual, datetime):
            expected = _parse_time(self.value)
            if expected is None:
                return False
        elif isinstance(actual, int):
            try:
                expected = int(self.value.rsplit("/", 1)[-1])
            except ValueError:
                return False
        elif isinstance(actual, str):
            actual, expected = actual.lower(), str(expected).lower()
        if self.op == ">":
            return bool(actual > expected)
        if self.op == ">=":
            return bool(actual >= expected)
        if self.op == "<":
            return bool(actual < expected)
        if self.op == "<=":
            return bool(actual <= expected)
        return bool(actual == expected)


def _parse_time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_query(query: str | None) -> list[Term]:
    if not query:
        return []
    return [Term(field, op or "=", value.strip("'\"")) for field, op, value in _TERM.findall(query)]


def matches(terms: Sequence[Term], lookup: Callable[[str], Any]) -> bool:
    """True when every term holds; ``lookup(field)`` gives the record's value (list for tags)."""
    for term in terms:
        actual = lookup(term.field)
        if actual is None:
            return False
        if isinstance(actual, list):
            if not any(term.compare(item) for item in actual):
                return False
        elif not term.compare(actual):
            return False
    return True


def encode_cursor(last_id: int, last_value: Any) -> str:
    if isinstance(last_value, datetime):
        last_value = last_value.isoformat()
    raw = json.dumps({"last_id": last_id, "last_value": last_value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, Any] | None:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(data["last_id"]), data["last_value"]
    except (ValueError, KeyError, TypeError):
        return None


def _sortable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def page(
    records: Iterable[Any],
    *,
    key: Callable[[Any], Any],
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
    reverse: bool,
) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """One page of ``records`` sorted by (key, id): ``[(cursor, record)]`` and the pageInfo."""
    ordered = sorted(records, key=lambda r: (_sortable(key(r)), r.id), reverse=reverse)
    start, stop = 0, len(ordered)
    if after is not None:
        position = decode_cursor(after)
        if position is None:
            raise ValueError("Invalid cursor for current pagination sort.")
        mark = (_sortable(position[1]), position[0])
        start = next(
            (
                i
                for i, r in enumerate(ordered)
                if (
                    (_sortable(key(r)), r.id) < mark
                    if reverse
                    else (_sortable(key(r)), r.id) > mark
                )
            ),
            len(ordered),
        )
    if before is not None:
        position = decode_cursor(before)
        if position is None:
            raise ValueError("Invalid cursor for current pagination sort.")
        mark = (_sortable(position[1]), position[0])
        stop = next(
            (
                i
                for i, r in enumerate(ordered)
                if (
                    (_sortable(key(r)), r.id) <= mark
                    if reverse
                    else (_sortable(key(r)), r.id) >= mark
                )
            ),
            len(ordered),
        )
    window = ordered[start:stop]
    has_next = has_previous = False
    if first is not None:
        has_next = len(window) > first or stop < len(ordered)
        window = window[:first]
        has_previous = start > 0
    elif last is not None:
        has_previous = len(window) > last or start > 0
        window = window[-last:] if last else []
        has_next = stop < len(ordered)
    items = [(encode_cursor(r.id, key(r)), r) for r in window]
    info = {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": items[0][0] if items else None,
        "endCursor": items[-1][0] if items else None,
    }
    return items, info
