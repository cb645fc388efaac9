"""Shopify's ``query:`` search syntax (the subset the connector uses) and cursor pagination.

Supported terms, joined by spaces or ``AND``: ``field:value``, ``field:>value``, ``field:>=value``,
``field:<value``, ``field:<=value``, values optionally quoted (a backslash escapes a quote inside).
``OR`` between terms starts an alternative; AND binds tighter, as in Shopify's grammar, so
``a b OR c`` is ``(a AND b) OR c``. Parentheses and ``NOT`` are not supported. Fields:
``updated_at``, ``created_at``, ``id``, ``sku``, ``status``, ``tag``, ``email`` and, on orders,
``name``. Unknown fields match nothing, as Shopify's search returns nothing for them rather than
failing.
"""

from __future__ import annotations

import base64
import json
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

__all__ = ["Query", "Term", "decode_cursor", "encode_cursor", "matches", "page", "parse_query"]

# A term, or a bare OR connective; anything else (bare words, AND) is passed over.
_TOKEN = re.compile(
    r"""(?P<field>\w+):(?P<op>>=|<=|>|<)?(?P<value>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\S+)"""
    r"""|(?<!\S)(?P<or>OR)(?!\S)"""
)
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class Term:
    field: str
    op: str
    value: str

    def compare(self, actual: Any) -> bool:
        expected: Any = self.value
        if isinstance(actual, datetime):
            # Shopify keeps and answers timestamps in whole seconds: a search for `>12:00:00`
            # finds nothing changed at 12:00:00.7. The shop's clock may run finer; compare as
            # Shopify does.
            actual = actual.replace(microsecond=0)
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


@dataclass(frozen=True, slots=True)
class Query:
    """Alternatives (OR) of term groups (AND); no group at all matches everything."""

    groups: tuple[tuple[Term, ...], ...] = ()


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return _ESCAPE.sub(r"\1", value[1:-1])
    return value


def parse_query(query: str | None) -> Query:
    if not query:
        return Query()
    groups: list[list[Term]] = [[]]
    for token in _TOKEN.finditer(query):
        if token.group("or"):
            groups.append([])
        else:
            op = token.group("op") or "="
            groups[-1].append(Term(token.group("field"), op, _unquote(token.group("value"))))
    kept = tuple(tuple(g) for g in groups if g)
    return Query(kept)


def matches(query: Query, lookup: Callable[[str], Any]) -> bool:
    """True when one alternative's terms all hold; ``lookup(field)`` gives the record's value."""
    if not query.groups:
        return True
    return any(_all_hold(group, lookup) for group in query.groups)


def _all_hold(terms: Sequence[Term], lookup: Callable[[str], Any]) -> bool:
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


def _first_past(
    marks: Sequence[tuple[Any, int]], cursor: str, reverse: bool, *, inclusive: bool
) -> int:
    """Index of the first sorted ``(key, id)`` past ``cursor``'s position (or at it: ``inclusive``).

    ``after`` starts a page just past its cursor; ``before`` stops one at its cursor.
    """
    position = decode_cursor(cursor)
    if position is None:
        raise ValueError("Invalid cursor for current pagination sort.")
    mark = (_sortable(position[1]), position[0])
    if reverse:
        past = operator.le if inclusive else operator.lt
    else:
        past = operator.ge if inclusive else operator.gt
    return next((i for i, m in enumerate(marks) if past(m, mark)), len(marks))


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
    ranked = sorted(
        (((_sortable(key(r)), r.id), r) for r in records), key=itemgetter(0), reverse=reverse
    )
    marks = [mark for mark, _ in ranked]
    ordered = [r for _, r in ranked]
    start = 0 if after is None else _first_past(marks, after, reverse, inclusive=False)
    stop = len(ordered) if before is None else _first_past(marks, before, reverse, inclusive=True)
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
