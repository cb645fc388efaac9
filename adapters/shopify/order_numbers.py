"""Orders by the number a customer and support see: Shopify's order ``name`` (``#1001``).

Support staff type ``1001`` or ``#1001``; shops with their own order-name prefix or suffix
(Settings > General > Order ID format) have names like ``EU1001-B``, typed with or without ``#``.
Shopify's ``name:`` search is asked for both spellings of each number, and only orders whose name
is exactly the number asked (ignoring a leading ``#`` and case) are kept, so a search that also
matches something near it never hands back another customer's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["NAMES_PER_CALL", "name_key", "name_keys", "name_query"]

NAMES_PER_CALL = 10
"""Numbers per ``orders(query:)`` call: 20 ``name:`` terms keep the search string short."""


def name_key(text: str) -> str:
    """What two spellings of one order name share: ``#1001``, `` 1001 `` and ``1001`` alike."""
    return text.strip().removeprefix("#").strip().casefold()


def name_keys(numbers: Iterable[str]) -> list[str]:
    """The distinct non-empty keys of ``numbers``, in the order first asked."""
    return list(dict.fromkeys(key for key in map(name_key, numbers) if key))


def _quoted(value: str) -> str:
    # Quoting keeps Shopify's special characters (: \ ( )) and spaces inside the value.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def name_query(keys: Sequence[str]) -> str:
    """``name:'#1001' OR name:'1001' OR ...``: either spelling finds the order on Shopify."""
    return " OR ".join(f"name:{_quoted(spelling)}" for key in keys for spelling in (f"#{key}", key))
