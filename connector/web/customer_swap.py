"""The customer page's swap: a waiting line for an in-stock alternative of equal or lower price.

Built like the cancel (:mod:`connector.web.customer_cancel`), three steps each safe to repeat:

1. :func:`request_swap` (the page's POST) checks the choice against :func:`alternatives` and
   records it with an idempotency key, one row per (shop, order, line) in ``customer_swaps``: a
   line is swapped at most once, and a double click or a replayed form adds nothing. With
   ``swap_needs_approval`` it waits for the owner (``connector cancels approve``).
2. :func:`run_swaps` (each daemon cycle, under the shop's lease, before the sync) claims each
   pending row and asks the adapter to swap with the row's key; the adapter reads the order back
   before each write, so a write whose answer was lost is found, not repeated. Once done, the
   customer gets ``swap_confirmation``.
3. The cycle's sync reads the order back: the old line's units leave the queue (the stock they
   were waiting for goes to the next in line) and the new line is in stock, so it ships now.

Which alternatives: the other variants of the waiting line's product, plus every variant whose SKU
matches ``[web] swap_skus``, that are in stock for all the waiting units (tracked: available to
sell and nobody queued for them; untracked: "in stock"), in the order's currency, and whose price
is not above what the customer paid per unit. The difference per unit goes back to the customer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

import sqlalchemy as sa

from connector.clock import Clock
from connector.db.store import StateStore
from connector.errors import ConnectorError, RetryableError
from connector.model import (
    BackorderEntry,
    Money,
    Order,
    Platform,
    StockStatus,
    Variant,
)
from connector.model_swap import LineSwap, LineSwapper, SwapOutcome
from connector.web.swap_tables import (
    SWAP,
    SwapRecord,
    by_key,
    customer_swaps,
    open_swaps,
    swap_key,
    swaps_for,
)
from connector.web.tables import CancelState, decide_awaiting, record_choice

__all__ = [
    "SWAPPABLE",
    "Alternative",
    "SwapRecord",
    "alternatives",
    "decide_swap",
    "open_swaps",
    "request_swap",
    "run_swaps",
    "swap_key",
    "swaps_for",
    "waiting_units",
]

log = logging.getLogger(__name__)

SWAPPABLE = frozenset({Platform.WOOCOMMERCE, Platform.SHOPIFY})
"""Platforms whose adapter writes a swap (:class:`~connector.model_swap.LineSwapper`); the page
offers swap only there. Shopify writes it as one order edit (``adapters/shopify/swap_lines.py``)."""

REASON = "Swapped by the customer on the order page (backorder connector)"
STALE_CLAIM_MINUTES = 10


@dataclass(frozen=True, slots=True)
class Alternative:
    """An item the customer may take instead of a waiting line."""

    variant_id: str
    product_id: str
    sku: str
    title: str
    price: Money
    available: int | None
    """Units on hand to sell (None: the shop does not count them)."""


def _title(store: StateStore, variant: Variant) -> str:
    """What the customer reads: "Product - Variant" (a variant's own title is often just "Blue")."""
    product = store.product(variant.shop, variant.product_id)
    name = product.title if product is not None else ""
    if name and variant.title and name not in variant.title and variant.title != "Default Title":
        return f"{name} - {variant.title}"
    return variant.title or name or variant.sku


def _serves(store: StateStore, variant: Variant, units: int) -> bool:
    """Whether ``variant`` can ship ``units`` now."""
    if not variant.tracked:
        return variant.untracked_status == StockStatus.IN_STOCK
    if not variant.sku or variant.available < units:
        return False
    # Others already waiting for it own what is on hand.
    return not any(entry.waiting > 0 for entry in store.queue(variant.shop, variant.sku))


def alternatives(
    store: StateStore,
    order: Order,
    line_id: str,
    units: int,
    patterns: Sequence[str],
) -> list[Alternative]:
    """What the customer may take instead of ``units`` of line ``line_id`` (see the module)."""
    line = next((line for line in order.lines if line.platform_id == line_id), None)
    if line is None or units <= 0 or line.variant_id is None:
        return []
    own = store.variants_by_ids(order.shop, [line.variant_id])
    candidates = list(store.variants(order.shop, own[0].product_id)) if own else []
    if patterns:
        candidates += [
            v
            for v in store.variants(order.shop)
            if any(fnmatchcase(v.sku, pattern) for pattern in patterns)
        ]
    found: dict[str, Alternative] = {}
    for variant in candidates:
        if variant.platform_id == line.variant_id or variant.platform_id in found:
            continue
        price = variant.price
        if price.currency != line.price.currency or price.amount > line.price.amount:
            continue
        if not _serves(store, variant, units):
            continue
        found[variant.platform_id] = Alternative(
            variant.platform_id,
            variant.product_id,
            variant.sku,
            _title(store, variant),
            price,
            variant.available if variant.tracked else None,
        )
    return sorted(found.values(), key=lambda a: (a.price.amount, a.title))


def waiting_units(queue: Sequence[BackorderEntry]) -> dict[str, int]:
    """Waiting units per line id."""
    units: dict[str, int] = {}
    for entry in queue:
        units[entry.line_id] = units.get(entry.line_id, 0) + entry.waiting
    return {line: n for line, n in units.items() if n > 0}


def request_swap(
    engine: sa.Engine,
    store: StateStore,
    *,
    order: Order,
    queue: Sequence[BackorderEntry],
    line_id: str,
    variant_id: str,
    patterns: Sequence[str],
    at: datetime,
    source: str,
    needs_approval: bool,
) -> SwapRecord | None:
    """Record the swap of a waiting line for ``variant_id``; the existing record when the line was
    swapped before; None when the line does not wait or ``variant_id`` is not on offer."""
    key = swap_key(order.shop, order.platform_id, line_id)
    before = by_key(engine, key)
    if before is not None:
        return before  # asked before (a double click, a replayed form): the first record stands
    units = waiting_units(queue).get(line_id, 0)
    offered = {a.variant_id: a for a in alternatives(store, order, line_id, units, patterns)}
    choice = offered.get(variant_id)
    line = next((line for line in order.lines if line.platform_id == line_id), None)
    if choice is None or line is None:
        return None
    state = CancelState.AWAITING_APPROVAL if needs_approval else CancelState.PENDING
    try:
        with engine.begin() as conn:
            conn.execute(
                customer_swaps.insert().values(
                    shop=order.shop,
                    order_id=order.platform_id,
                    line_id=line_id,
                    key=key,
                    units=units,
                    old_sku=line.sku,
                    old_title=line.title or line.sku,
                    variant_id=choice.variant_id,
                    product_id=choice.product_id,
                    sku=choice.sku,
                    title=choice.title,
                    unit_price=f"{choice.price.amount:.2f}",
                    difference=f"{max(line.price.amount - choice.price.amount, Decimal(0)):.2f}",
                    currency=choice.price.currency,
                    state=state,
                    source=source,
                    requested_at=at,
                    updated_at=at,
                )
            )
    except sa.exc.IntegrityError:
        pass  # two submits raced: the first record stands
    else:
        record_choice(
            engine,
            shop=order.shop,
            order_id=order.platform_id,
            action=f"{SWAP}:{line_id}",
            promise=None,
            at=at,
            source=source,
        )
    return by_key(engine, key)


def decide_swap(engine: sa.Engine, key: str, *, approve: bool, at: datetime) -> SwapRecord | None:
    """The owner's answer to a swap awaiting approval (only an awaiting swap changes)."""
    with engine.begin() as conn:
        decide_awaiting(conn, customer_swaps, key, approve=approve, at=at)
    return by_key(engine, key)


def _claimable(now: datetime) -> Any:
    table = customer_swaps
    return sa.or_(
        table.c.state == CancelState.PENDING,
        sa.and_(
            table.c.state == CancelState.WRITING,
            table.c.updated_at < now - timedelta(minutes=STALE_CLAIM_MINUTES),
        ),
    )


def _finish(engine: sa.Engine, key: str, now: datetime, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            customer_swaps.update()
            .where(customer_swaps.c.key == key, customer_swaps.c.state == CancelState.WRITING)
            .values(updated_at=now, **values)
        )


def run_swaps(engine: sa.Engine, clock: Clock, shop: str, adapter: object) -> list[SwapRecord]:
    """Write every pending swap of ``shop`` to the shop; returns those this call finished."""
    now = clock()
    table = customer_swaps
    with engine.connect() as conn:
        keys = (
            conn.execute(
                sa.select(table.c.key)
                .where(table.c.shop == shop, _claimable(now))
                .order_by(table.c.id)
            )
            .scalars()
            .all()
        )
    finished = []
    for key in keys:
        with engine.begin() as conn:
            claimed = (
                conn.execute(
                    table.update()
                    .where(table.c.key == key, _claimable(now))
                    .values(
                        state=CancelState.WRITING, updated_at=now, attempts=table.c.attempts + 1
                    )
                ).rowcount
                == 1
            )
        if not claimed:
            continue  # another process has it
        record = by_key(engine, key)
        assert record is not None
        if not isinstance(adapter, LineSwapper):
            _finish(
                engine,
                key,
                clock(),
                state=CancelState.FAILED,
                message="this platform cannot swap lines",
            )
        else:
            _write(engine, clock, record, adapter)
        after = by_key(engine, key)
        if after is not None and after.state in (CancelState.DONE, CancelState.FAILED):
            finished.append(after)
    return finished


def _write(engine: sa.Engine, clock: Clock, record: SwapRecord, adapter: LineSwapper) -> None:
    request = LineSwap(
        order_id=record.order_id,
        line_id=record.line_id,
        units=record.units,
        variant_id=record.variant_id,
        product_id=record.product_id,
        sku=record.sku,
        unit_price=record.unit_price,
        difference=record.difference,
        key=record.key,
        reason=REASON,
    )
    where = f"{record.shop}: order {record.order_id}: customer's swap"
    try:
        outcome: SwapOutcome = adapter.swap_line(request)
    except RetryableError as error:
        log.warning("%s: will retry: %s", where, error)
        _finish(engine, record.key, clock(), state=CancelState.PENDING, message=str(error))
        return
    except ConnectorError as error:
        log.error("%s: the shop refused it, swap by hand: %s", where, error)
        _finish(engine, record.key, clock(), state=CancelState.FAILED, message=str(error))
        return
    if outcome.owed > 0:
        log.warning(
            "%s: swapped; the payment gateway cannot refund, pay back %s %s by hand",
            where,
            outcome.owed,
            outcome.currency,
        )
    _finish(
        engine,
        record.key,
        clock(),
        state=CancelState.DONE,
        new_line_id=outcome.new_line_id,
        refund=outcome.refund,
        amount=f"{outcome.amount:.2f}",
        owed=f"{outcome.owed:.2f}" if outcome.owed else "",
        message="",
    )
