"""WooCommerce list semantics: filters, ordering, ``per_page`` / ``page`` and the paging headers.

The default order (date, descending) is not stable when several rows share a second, exactly the
trap a real store sets: ties come back in a different order on each page, so a client paging under
it repeats and skips rows. ``orderby=id`` and ``orderby=modified`` (ties by id) are stable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urlencode

from connector.sandbox.woocommerce.catalog import WooError, invalid_param

__all__ = ["Page", "page_of", "parse_date"]

T = TypeVar("T")


def parse_date(name: str, value: str) -> int:
    """An ISO 8601 filter date as epoch seconds (the site's zone is UTC, so GMT or not is alike)."""
    text = value.strip().replace("Z", "+00:00").replace(" ", "+")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WooError(
            400,
            "rest_invalid_param",
            f"Invalid parameter(s): {name}",
            params={name: "Invalid date."},
            details={name: {"code": "rest_invalid_date", "message": "Invalid date.", "data": None}},
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_param(name, f"{name} is not of type integer.") from None
    if not low <= value <= high:
        message = f"{name} must be between {low} (inclusive) and {high} (inclusive)"
        error = invalid_param(name, message)
        error.data["details"][name]["code"] = "rest_out_of_bounds"
        raise error
    return value


class Page:
    """One page of a list answer with its headers."""

    def __init__(self, rows: list[object], total: int, pages: int, links: str) -> None:
        self.rows = rows
        self.total = total
        self.pages = pages
        self.links = links

    def headers(self) -> list[tuple[str, str]]:
        headers = [("X-WP-Total", str(self.total)), ("X-WP-TotalPages", str(self.pages))]
        if self.links:
            headers.append(("Link", self.links))
        return headers


def page_of(
    rows: Sequence[T],
    query: Mapping[str, str],
    url: str,
    *,
    created: Callable[[T], int],
    modified: Callable[[T], int],
    ident: Callable[[T], int],
) -> tuple[list[T], Page]:
    """Filter by dates, order, and cut one page; ``url`` is echoed into the ``Link`` header."""
    per_page = int_param(query, "per_page", 10, 1, 100)
    page = int_param(query, "page", 1, 1, 10**9)
    selected: Sequence[T] = rows
    for name, func, after in (
        ("modified_after", modified, True),
        ("modified_before", modified, False),
        ("after", created, True),
        ("before", created, False),
    ):
        if query.get(name):
            bound = parse_date(name, query[name])
            selected = [
                row for row in selected if (func(row) > bound if after else func(row) < bound)
            ]
    orderby = query.get("orderby", "date")
    if orderby not in ("date", "id", "modified", "include", "title", "slug"):
        raise invalid_param(
            "orderby", "orderby is not one of date, id, include, title, slug, and modified."
        )
    descending = query.get("order", "desc").lower() != "asc"
    if orderby == "modified":
        ordered = sorted(selected, key=lambda r: (modified(r), ident(r)), reverse=descending)
    elif orderby == "date":
        # Same-second ties come back in a per-page order, as MySQL does without a unique key.
        ordered = sorted(
            selected,
            key=lambda r: (
                created(r),
                hash((ident(r), page)) if descending else -hash((ident(r), page)),
            ),
            reverse=descending,
        )
    else:
        ordered = sorted(selected, key=ident, reverse=descending)
    total = len(ordered)
    pages = max(1, math.ceil(total / per_page)) if total else 0
    chunk = list(ordered[(page - 1) * per_page : page * per_page])
    links = []
    base, _, _ = url.partition("?")
    if page > 1:
        links.append(f'<{base}?{urlencode({**query, "page": page - 1})}>; rel="prev"')
    if page < pages:
        links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
    return chunk, Page(list(chunk), total, pages, ", ".join(links))
