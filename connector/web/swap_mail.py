"""The customer's mail about a swap: ``swap_confirmation`` once it is written, and no engine
"cancellation" mail for the line it replaced (see :mod:`connector.web.customer_swap`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from connector.db.store import StateStore
from connector.engine.notifications import to_customer
from connector.model import Money, Notification, NotificationKind, NotificationLine
from connector.settings import ShopSettings
from connector.web.swap_tables import SwapRecord, swaps_for
from connector.web.tables import CancelState

__all__ = ["confirm_swaps", "without_swapped_cancels"]


def confirm_swaps(
    store: StateStore, outbox: Any, shop: ShopSettings, done: Sequence[SwapRecord], now: datetime
) -> None:
    """``swap_confirmation`` for each swap just done; the outbox keys it on order, kind and
    lines, so a swap is confirmed once."""
    if outbox is None:
        return
    notices = []
    for record in done:
        order = store.order(shop.name, record.order_id)
        if record.state != CancelState.DONE or order is None:
            continue
        refunded = Money(record.amount, record.currency) if record.amount else None
        lines = (
            NotificationLine(
                record.line_id, record.old_sku, record.old_title, record.units, refunded=refunded
            ),
            NotificationLine(
                record.new_line_id or record.variant_id,
                record.sku,
                record.title,
                record.units,
                ships_now=True,
                price=Money(record.unit_price, record.currency),
            ),
        )
        owed = Money(record.owed, record.currency) if record.owed else None
        notices.append(
            to_customer(
                shop.name, NotificationKind.SWAP_CONFIRMATION, order, lines, now, amount=owed
            )
        )
    if notices:
        outbox.enqueue(notices, shop)


def without_swapped_cancels(
    engine: sa.Engine, shop: str, notices: Sequence[Notification]
) -> list[Notification]:
    """``notices`` less the engine's cancellation mails for lines a done swap replaced.

    The swap's refund of the old line reads back as a cancel, and the engine (which does not know
    about swaps) would tell the customer "cancelled" next to their ``swap_confirmation``.
    """
    kept = []
    for notice in notices:
        if notice.kind is NotificationKind.CANCELLATION and notice.lines:
            swapped = {
                r.line_id
                for r in swaps_for(engine, shop, notice.order_id)
                if r.state in (CancelState.DONE, CancelState.WRITING)
            }
            if all(line.line_id in swapped for line in notice.lines):
                continue
        kept.append(notice)
    return kept
