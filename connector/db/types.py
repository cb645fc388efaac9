"""Column types that round-trip the common model exactly on SQLite and PostgreSQL.

* :class:`UTCDateTime`: aware UTC in, aware UTC out (SQLite stores naive UTC text; PostgreSQL timestamptz).
* :class:`DecimalText`: money as its exact decimal text (SQLite has no decimal type; floats would round).
* :class:`StringSet` / :class:`StringList`: frozensets and tuples of strings as sorted / ordered JSON.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from connector.model import utc

__all__ = ["DecimalText", "StringList", "StringSet", "UTCDateTime"]


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime. Naive values are refused: they are a bug upstream, not data."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the model keeps every datetime aware UTC")
        value = utc(value)
        if dialect.name == "sqlite":
            # Naive UTC text sorts and compares correctly as a string.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return utc(value)


class DecimalText(sa.types.TypeDecorator[Decimal]):
    """A Decimal kept as its exact text, so ``Decimal('19.90')`` comes back as ``Decimal('19.90')``."""

    impl = sa.String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class StringSet(sa.types.TypeDecorator[frozenset[str]]):
    """A frozenset of strings as a sorted JSON array (stable text, so equal sets store equally)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: frozenset[str] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(sorted(value), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> frozenset[str] | None:
        if value is None:
            return None
        # Tag sets repeat (most are "[]"): a whole shop's read decoded 3M of them, a third of
        # its time. Frozensets are immutable, so one per text serves every row.
        found = _SETS.get(value)
        if found is None:
            found = frozenset(_strings(json.loads(value)))
            if len(_SETS) >= _SETS_KEPT:
                _SETS.clear()
            _SETS[value] = found
        return found


class StringList(sa.types.TypeDecorator[tuple[str, ...]]):
    """A tuple of strings as a JSON array, order kept."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: tuple[str, ...] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(list(value), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[str, ...] | None:
        return None if value is None else tuple(_strings(json.loads(value)))


_SETS: dict[str, frozenset[str]] = {}
_SETS_KEPT = 4096
"""Decoded tag sets kept (a bound: a shop with ever-new tag texts keeps only the latest)."""


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"expected a JSON array of strings, got {type(value).__name__}")
    return [str(item) for item in value]
