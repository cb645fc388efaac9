"""Orders by the number a customer and support see: WooCommerce's order ``number``.

Out of the box the number is the order id. Sequential-number extensions give orders their own
numbers (``57``, ``WC-1001``) and add them to WooCommerce's order search
(``woocommerce_shop_order_search_fields``), which ``GET /orders?search=`` runs: a numeric term is
taken as an order id and every term is matched anywhere in the billing and shipping addresses.
So numeric numbers are first read by id in one ``include=`` call; the ones that did not come back
under that number are searched one by one. Only orders whose ``number`` is exactly the one asked
(ignoring a leading ``#`` and case) are kept: a search that also matched a postcode or an order
whose id equals another order's number never hands back the wrong customer's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from adapters.woocommerce.client import PER_PAGE, WooClient

__all__ = ["SEARCH_PAGES", "number_key", "order_rows_by_number"]

SEARCH_PAGES = 5
"""Search pages read per number at most: a number matching hundreds of addresses stops there."""


def number_key(text: str) -> str:
    """What two spellings of one order number share: ``#1001``, `` 1001 `` and ``1001`` alike."""
    return text.strip().removeprefix("#").strip().casefold()


def _key_of(row: Any) -> str | None:
    if not isinstance(row, Mapping) or row.get("number") in (None, ""):
        return None
    return number_key(str(row["number"]))


def order_rows_by_number(
    client: WooClient,
    numbers: Iterable[str],
    by_id: Callable[[list[str]], list[Mapping[str, Any]]],
) -> list[Mapping[str, Any]]:
    """Raw order rows whose ``number`` is one of ``numbers``; numbers not found are absent."""
    wanted = list(dict.fromkeys(key for key in map(number_key, numbers) if key))
    rows: dict[str, Mapping[str, Any]] = {}

    def keep(row: Any) -> None:
        key = _key_of(row)
        if key in wanted and key not in rows:
            rows[key] = row

    for row in by_id([key for key in wanted if key.isdigit()]):
        keep(row)
    for key in [k for k in wanted if k not in rows]:
        for page in range(1, SEARCH_PAGES + 1):
            answer = client.get("orders", {"search": key, "per_page": PER_PAGE, "page": page})
            body = answer.body if isinstance(answer.body, list) else []
            for row in body:
                keep(row)
            if key in rows or len(body) < PER_PAGE or page >= answer.total_pages:
                break
    return list(rows.values())
