"""VIP on WooCommerce: the role and meta of the customers of waiting orders, as customer tags.

WooCommerce customers have no tags (Shopify's VIP signal); they have a WordPress ``role``
(``customer``, ``wholesale_customer``...) and ``meta_data``. The engine boosts lines by customer
tags (a policy's ``priority_tags``, ``vip_roles`` and ``vip_meta``), so the adapter names them as
tags the engine can compare: ``role:<role>``, and ``meta:<key>`` for each public meta key whose
value is set and not false-like. Platform JSON stays here; the engine sees only tags.

Reads are batched: one ``customers?include=...&role=all`` request per 100 customers, only for the
open orders of a page that name a registered customer (guest orders have ``customer_id`` 0 and no
role). ``role=all`` matters: WooCommerce lists only role ``customer`` by default.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from adapters.woocommerce.client import PER_PAGE, WooClient
from connector.errors import PermissionDenied
from connector.model import Order, OrderStatus

__all__ = ["customer_tags", "tag_customers"]

log = logging.getLogger(__name__)

# Values a checkbox or a hand-typed meta field takes for "no"; anything else set means yes.
_FALSE_LIKE = frozenset({"", "0", "no", "false", "off", "none", "null"})


def customer_tags(row: Mapping[str, Any]) -> frozenset[str]:
    """The tags one REST customer carries: its role and its public, set meta keys."""
    tags: set[str] = set()
    role = str(row.get("role") or "").strip()
    if role:
        tags.add(f"role:{role}")
    for meta in row.get("meta_data") or ():
        key = str(meta.get("key") or "")
        value = meta.get("value")
        # Keys starting "_" are private (plugins' bookkeeping), never a shop owner's flag.
        if not key or key.startswith("_") or isinstance(value, dict | list):
            continue
        if value is True or (
            value is not False and str(value).strip().casefold() not in _FALSE_LIKE
        ):
            tags.add(f"meta:{key}")
    return frozenset(tags)


def _read(client: WooClient, ids: Sequence[int]) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for start in range(0, len(ids), PER_PAGE):
        chunk = ids[start : start + PER_PAGE]
        answer = client.get(
            "customers",
            {"include": ",".join(map(str, chunk)), "per_page": PER_PAGE, "role": "all"},
        )
        for row in answer.body if isinstance(answer.body, list) else ():
            found[str(row.get("id"))] = customer_tags(row)
    return found


def tag_customers(client: WooClient, orders: Iterable[Order]) -> list[Order]:
    """``orders`` with each open order's registered customer tagged by role and meta."""
    orders = list(orders)
    ids = sorted(
        {
            int(o.customer.platform_id)
            for o in orders
            if o.status is OrderStatus.OPEN
            and o.customer.platform_id
            and o.customer.platform_id.isdigit()
        }
    )
    if not ids:
        return orders
    try:
        tags = _read(client, ids)
    except PermissionDenied as error:
        # A key that may not read customers still syncs orders; VIP then falls to order tags.
        log.warning("WooCommerce customers unreadable, no VIP by role or meta: %s", error)
        return orders
    return [
        replace(o, customer=replace(o.customer, tags=o.customer.tags | tags[key]))
        if (key := o.customer.platform_id or "") in tags and o.status is OrderStatus.OPEN
        else o
        for o in orders
    ]
