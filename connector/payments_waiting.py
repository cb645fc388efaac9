"""What a capture of an order's waiting lines takes: their prices, their taxes, and shipping.

Pure; the money step (:mod:`connector.payments`) feeds it the queue, the orders and what the
platform read of each order's money, and :func:`connector.engine.money.assess` caps the value at
what is capturable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from connector.engine.money import WaitingMoney
from connector.model import BackorderEntry, Money, Order
from connector.payments_model import OrderMoney

__all__ = ["waiting_money"]


def waiting_money(
    queue: Sequence[BackorderEntry],
    orders: Mapping[str, Order],
    money: Mapping[str, OrderMoney] | None = None,
) -> list[WaitingMoney]:
    """Per order with waiting lines: their value and the latest ETA.

    The value is each waiting line's price times its waiting units plus those units' share of
    the line's taxes (none added when the prices include them), plus the order's shipping with
    its tax when nothing has been taken from the order yet: shipping goes with the first capture.
    With the order's money read (``money``) but a waiting line's taxes unknown, the value is
    unknown (None), and a capture takes all that is capturable rather than too little.
    """
    by_order: dict[str, list[BackorderEntry]] = {}
    for entry in queue:
        if entry.waiting > 0:
            by_order.setdefault(entry.order_id, []).append(entry)
    found = []
    for order_id, entries in by_order.items():
        order = orders.get(order_id)
        prices = {line.platform_id: line.price for line in order.lines} if order else {}
        read = (money or {}).get(order_id)
        value: Money | None = None
        parts: list[Money | None] = []
        for entry in entries:
            price = prices.get(entry.line_id)
            parts.append(price * entry.waiting if price is not None else None)
            if read is not None:
                parts.append(read.tax_for(entry.line_id, entry.waiting))
        if read is not None and read.received is None and read.shipping is not None:
            parts.append(read.shipping)
        for part in parts:
            if part is None or (
                value is not None and value.currency != part.currency and part.amount != 0
            ):
                value = None
                break
            if part.amount == 0 and value is not None:
                continue  # no tax on this line, whatever currency it was reported in
            value = part if value is None else Money(value.amount + part.amount, value.currency)
        etas = [e.eta for e in entries]
        eta: date | None = None if any(d is None for d in etas) else max(d for d in etas if d)
        found.append(WaitingMoney(order_id, value, eta))
    return found
