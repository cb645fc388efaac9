"""Which order lines wait: shortfalls at order time, pre-order lines, and what left the queue.

Stock is reconstructed per SKU from what the platform reports: units physically on hand and not yet
shipped are ``available`` plus every open order line's open quantity (both platforms take sold units
out of ``available`` when an order holds stock). Lines then claim that stock:

1. units already allocated to queued lines keep them;
2. lines that were never queued and are no newer than the newest queued line were in stock when
   ordered: they keep their units, in order time;
3. the queue is served next, in its own order (allocation);
4. newer lines take what is left in order time; the units they cannot get are their shortfall and
   join the queue. A line short on some units ships the rest now (a mixed order is split the same way).

Pre-order lines wait for their release date whatever the stock. WooCommerce's "Backordered" line meta
is only compared against the computed shortfall, never trusted over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain

from connector.engine.allocation import Claim, allocate
from connector.engine.queue import priority_of, queue_key
from connector.model import (
    BackorderEntry,
    BackorderEventKind,
    Order,
    OrderLine,
    OrderStatus,
    StockStatus,
    Variant,
)
from connector.settings import PolicyMode, PolicySettings

__all__ = ["Departure", "Detection", "Queued", "detect", "on_hand"]

UNTRACKED_STOCK = 1 << 60


def on_hand(variant: Variant, open_demand: int = 0) -> int:
    """Units the variant can serve now: its counted stock before the open demand took any; an
    uncounted variant sells without limit unless its owner marked it on backorder or out of stock,
    when nothing is on hand and every unit sold waits (until the status flips)."""
    if variant.tracked:
        return max(0, variant.available + open_demand)
    return UNTRACKED_STOCK if variant.untracked_status is StockStatus.IN_STOCK else 0


@dataclass(slots=True)
class Queued(Claim):
    """A line in (or joining) the SKU's queue while the SKU is worked out; it is its own claim on
    stock (``waiting``, ``allocated``, ``blocked``): one object per queued line, 200k in a cold plan.
    """

    order: Order
    line: OrderLine
    previous: BackorderEntry | None
    preorder: bool
    priority: int = 0
    boost_tag: str = ""
    note: str = ""
    key: tuple[object, ...] = ()

    @property
    def ordered(self) -> date:
        """The day the line was ordered (what the promise walk reads of it)."""
        return self.order.created_at.date()


@dataclass(frozen=True, slots=True)
class Departure:
    """Units of a previously queued line that left the queue: shipped, or cancelled/refunded/edited."""

    entry: BackorderEntry
    kind: BackorderEventKind
    units: int
    order: Order | None
    whole_line: bool


@dataclass(slots=True)
class Detection:
    queued: list[Queued] = field(default_factory=list)
    departures: list[Departure] = field(default_factory=list)
    ships_now: dict[str, int] = field(default_factory=dict)
    free_left: int = 0
    carried: list[BackorderEntry] = field(default_factory=list)
    held: list[tuple[Order, OrderLine]] = field(default_factory=list)
    """Lines on hold in the shop that may not be queued: the engine checks whether they are."""


def _shrink(
    previous: BackorderEntry, order: Order, line: OrderLine, need: int, out: list[Departure]
) -> tuple[int, int]:
    """The previous claim resized to the line's open quantity, as (waiting, allocated); what
    left is recorded."""
    allocated, waiting = previous.allocated, previous.waiting
    gone = allocated + waiting - need
    if gone < 0:  # the line was edited up: the extra units wait too
        return waiting - gone, allocated
    if gone == 0:
        return waiting, allocated
    # Shipments leave from allocated units, cancellations from waiting ones first. Which of the
    # gone units shipped and which were cancelled, the line's totals bound: at most ``cancelled``
    # were cancelled, at least ``gone - fulfilled`` were. Within that, units beyond the allocated
    # ones were cancelled: nothing was on the shelf for them. (A partly shipped line whose
    # waiting units the customer cancels is a cancel, told to the customer, not a shipment.)
    if order.status is OrderStatus.CANCELLED or line.fulfilled <= 0:
        cancelled = gone
    else:
        beyond = gone - min(allocated, gone)
        cancelled = min(max(beyond, gone - line.fulfilled, 0), line.cancelled, gone)
    shipped = gone - cancelled
    if shipped:
        from_allocated = min(allocated, shipped)
        allocated -= from_allocated
        waiting -= shipped - from_allocated
        out.append(
            Departure(previous, BackorderEventKind.SHIPPED, shipped, order, whole_line=need == 0)
        )
    if cancelled:
        from_waiting = min(waiting, cancelled)
        waiting -= from_waiting
        allocated -= cancelled - from_waiting
        out.append(
            Departure(
                previous, BackorderEventKind.CANCELLED, cancelled, order, whole_line=need == 0
            )
        )
    return waiting, allocated


def detect(
    lines: Iterable[tuple[Order, OrderLine]],
    previous: Sequence[BackorderEntry],
    *,
    variant: Variant | None,
    policy: PolicySettings,
    today: date,
    release: date | None,
) -> Detection:
    """Work out one SKU's queue: carried, shrunk, departed and newly short lines, with allocation.

    ``lines`` are every line of the SKU in the state's orders, oldest order first. Without a variant
    (a SKU the shop no longer has) nothing new is detected and previous entries are carried as they
    were: the engine cannot see stock, and must not lose a promise.
    """
    result = Detection()
    if variant is None:
        result.carried = list(previous)
        return result
    prev_by_line = {entry.line_id: entry for entry in previous}
    fresh: list[tuple[Order, OrderLine, int]] = []
    open_demand = 0
    queued = result.queued
    held = result.held
    is_open = OrderStatus.OPEN
    blocked_before = release is not None and today < release
    allocated = 0
    boost_tags, rule = policy.boost_tags, policy.queue_rule  # a property: once, not per line
    # The hot loop of a full plan (every line of every SKU someone may wait on): kept lean.
    for order, line in lines:
        if order.status is is_open:
            need = line.quantity - line.fulfilled - line.cancelled
            need = max(need, 0)
        else:
            need = 0
        open_demand += need
        prior = prev_by_line.pop(line.platform_id, None) if prev_by_line else None
        if line.on_hold and (prior is None or need <= 0):
            # Held lines that may end up out of the queue (a queued line that stays queued is
            # not listed: once planned, every waiting line is held, 200k of them).
            held.append((order, line))
        if prior is not None:
            if prior.waiting + prior.allocated == need:
                waiting, kept = prior.waiting, prior.allocated
            else:
                waiting, kept = _shrink(prior, order, line, need, result.departures)
            if need > 0:
                preorder = prior.preorder
                # Positional, in field order: the claim's (waiting, allocated, blocked) first.
                q = Queued(waiting, kept, preorder and blocked_before, order, line, prior, preorder)
                _rank(q, boost_tags, rule)
                queued.append(q)
                allocated += kept
        elif need > 0:
            fresh.append((order, line, need))
    result.carried = list(prev_by_line.values())
    free = on_hand(variant, open_demand)
    if not queued and not fresh:
        result.free_left = free
        return result

    free -= allocated
    queued.sort(key=_key)
    if free < 0:  # stock shrank below what was allocated: take it back from the end of the queue
        for q in reversed(queued):
            back = min(q.allocated, -free)
            q.allocated -= back
            q.waiting += back
            free += back
            if free == 0:
                break
    split = len(fresh)
    if fresh and queued:  # which new lines are no newer than the queue (a full plan: none new)
        newest = max(q.order.created_at for q in queued)
        split = next((i for i, (o, _, _) in enumerate(fresh) if o.created_at > newest), split)
    count = len(queued)
    free = _take(
        fresh[:split],
        free,
        policy=policy,
        release=release,
        blocked_before=blocked_before,
        result=result,
    )
    if len(queued) != count:
        queued.sort(key=_key)
    if free > 0:
        free = allocate(queued, free)
    count = len(queued)
    free = _take(
        fresh[split:],
        free,
        policy=policy,
        release=release,
        blocked_before=blocked_before,
        result=result,
    )
    if len(queued) != count:
        queued.sort(key=_key)
    result.free_left = free
    return result


def _take(
    fresh: Sequence[tuple[Order, OrderLine, int]],
    free: int,
    *,
    policy: PolicySettings,
    release: date | None,
    blocked_before: bool,
    result: Detection,
) -> int:
    boost_tags, rule = policy.boost_tags, policy.queue_rule  # a property: once, not per line
    # Lines ordered before the release under a pre-order policy are pre-orders, as are lines the
    # shop marked so.
    preorder_policy = policy.mode is PolicyMode.PREORDER and release is not None
    for order, line, need in fresh:
        preorder = line.preorder or (
            preorder_policy and release is not None and order.created_at.date() < release
        )
        if preorder and blocked_before:
            take = 0
        else:
            take = min(need, free)
            free -= take
        short = need - take
        if short <= 0:
            continue
        # The units in stock stay on the entry as allocated: the entry accounts for the whole line.
        # Positional, in field order: the claim's (waiting, allocated, blocked) first.
        q = Queued(short, take, preorder and blocked_before, order, line, None, preorder)
        if take:
            result.ships_now[line.platform_id] = take
        recorded = line.backordered_at_order
        if recorded is not None and recorded != short:
            q.note = f"platform recorded {recorded} short"
        _rank(q, boost_tags, rule)
        result.queued.append(q)
    return free


def _rank(q: Queued, boost_tags: tuple[str, ...], rule: str) -> None:
    order = q.order
    if boost_tags and not q.preorder and (order.customer.tags or order.tags):
        q.priority, q.boost_tag = _boost(order.customer.tags, order.tags, boost_tags)
    q.key = queue_key(
        rule,
        q.priority,
        q.preorder,
        order.created_at,
        order.platform_id,
        q.line.platform_id,
        q.previous.eta if q.previous is not None else None,
    )


@lru_cache(maxsize=1024)
def _boost(
    customer_tags: frozenset[str], order_tags: frozenset[str], priority_tags: tuple[str, ...]
) -> tuple[int, str]:
    """Tag sets repeat across orders (once planned, every waiting order carries our tag)."""
    return priority_of(chain(customer_tags, order_tags), priority_tags)


def _key(q: Queued) -> tuple[object, ...]:
    return q.key
