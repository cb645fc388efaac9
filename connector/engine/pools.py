"""Stock pools: variants that sell from one shared count (a WooCommerce variable product whose
stock is managed on the parent; ``Variant.stock_pool``). Platform-neutral: a variant with no pool
has its own count, as every Shopify variant does.

Each variant of a pool reports the pool's ``available``. Worked out one SKU at a time, each would
be short by the whole pool's shortfall, and the queue double-counted (a real case queued 4 units
where the store was 3 short). So the pool's count before its open demand took any is shared out
oldest order first across the pool, and each SKU is worked out with its share as its stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from connector.model import Order, OrderLine, OrderStatus

__all__ = ["pool_available"]


def pool_available(
    available: int, members: Mapping[str, Iterable[tuple[Order, OrderLine]]]
) -> dict[str, int]:
    """Each member SKU's ``available`` as if it had its own count: its share of the pool's stock
    (served oldest order first across the pool) less its own open demand."""
    demand: dict[str, int] = dict.fromkeys(members, 0)
    wanting: list[tuple[datetime, str, str, str, int]] = []
    for key, lines in members.items():
        for order, line in lines:
            if order.status is not OrderStatus.OPEN:
                continue
            need = line.open_quantity
            if need <= 0:
                continue
            demand[key] += need
            wanting.append((order.created_at, order.platform_id, line.platform_id, key, need))
    free = max(0, available + sum(demand.values()))
    share: dict[str, int] = dict.fromkeys(members, 0)
    for *_, key, need in sorted(wanting, key=lambda item: item[:3]):
        if free <= 0:
            break
        take = min(need, free)
        share[key] += take
        free -= take
    # Stock no line took stays on the pool: every member may sell it.
    return {key: share[key] - demand[key] + free for key in members}
