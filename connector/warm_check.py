"""The warm engine's check at a size where a second, cold engine does not fit beside it.

A shop whose warm engine holds more than ``[schedule] engine_check_orders`` orders (the
benchmark shop: 500k orders, 1M lines; a cold read and plan there takes a minute and a second
copy of the state) is not checked by a whole cold plan. Each check instead compares a share of
``engine_check_orders`` orders, in turn, with the database: the orders as the engine holds them,
the variants their lines sell, and their waiting lines in the engine's queue against the stored
queue. Those are the warm engine's inputs and the one output it keeps; that the same inputs give a
cold engine's plan is what ``tests/engine/test_warm_differential.py`` shows, change by change.
What a difference would come from is a change the cycle stored but did not hand to the engine:
such a change shows here, with the order or variant it touched named.

The share rotates by order id (the ``engine-check`` row of ``sync_cursors`` keeps where the last
one stopped), over the ids the engine holds and the open ones the database holds, so every order
is compared within ``ceil(orders / engine_check_orders)`` checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.db import StateStore
from connector.engine import Engine
from connector.model import OrderStatus
from connector.sync import in_turn

__all__ = ["CHECK_CURSOR", "next_share", "share_differences"]

CHECK_CURSOR = "engine-check"
"""The ``sync_cursors`` row where the rotating check keeps the last order id it compared."""

_SHOWN = 5
"""Ids named per kind of difference in the log line (the count says how many there were)."""


def next_share(store: StateStore, shop: str, engine: Engine, size: int) -> list[str]:
    """The next ``size`` order ids in turn, from the engine's orders and the database's open ones;
    the cursor moves past them."""
    ids = sorted(set(engine.held_orders()) | set(store.order_ids(shop, [OrderStatus.OPEN])))
    share = in_turn(ids, store.get_cursor(shop, CHECK_CURSOR), size)
    if share:
        store.set_cursor(shop, CHECK_CURSOR, share[-1])
    return share


def share_differences(
    store: StateStore, shop: str, engine: Engine, order_ids: Sequence[str]
) -> list[str]:
    """What differs between the engine and the database for these orders (empty: the same).

    Each item names a kind and at most five ids: ``order 1042, 1043 (+3 more)``.
    """
    held = engine.held_orders()
    stored = {order.platform_id: order for order in store.orders_by_ids(shop, order_ids)}
    orders = [i for i in order_ids if held.get(i) != stored.get(i)]
    variant_ids = sorted(
        {
            line.variant_id
            for order in stored.values()
            for line in order.lines
            if line.variant_id is not None
        }
    )
    variants = [
        v.platform_id
        for v in store.variants_by_ids(shop, variant_ids)
        if engine.held_variant(v.platform_id) != v
    ]
    wanted = set(order_ids)
    warm_queue = sorted(
        (e for e in engine.queue() if e.order_id in wanted),
        key=lambda e: (e.sku, e.position, e.ordered_at, e.order_id, e.line_id),
    )
    saved_queue = store.queue_of_orders(shop, order_ids)
    queue = sorted({e.order_id for e in set(warm_queue) ^ set(saved_queue)})
    found = []
    for kind, ids in (("order", orders), ("variant", variants), ("queue of order", queue)):
        if ids:
            more = f" (+{len(ids) - _SHOWN} more)" if len(ids) > _SHOWN else ""
            found.append(f"{kind} {', '.join(ids[:_SHOWN])}{more}")
    return found
