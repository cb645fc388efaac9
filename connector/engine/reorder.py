"""Reorder suggestions: how many units of each SKU (or stock pool) to order, from whom, by when.

Pure: a function of what the edge read (each SKU's waiting demand, stock, recent sales and open
purchase orders), the suppliers' lead times and today. The arithmetic, per SKU or pool::

    daily     = units sold in the last velocity_days / velocity_days
    needed    = waiting units + ceil(daily * (lead time + safety days + cover days))
    in hand   = stock on hand (never below 0) + what the open purchase orders still bring
    suggested = needed - in hand, when positive

Open purchase orders count in full whatever their date, so a suggestion never asks again for
what one already brings (a late PO is a date to chase, not a reason to order twice). Waiting
units are counted once: a platform's negative stock is those same units, so stock counts from 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fnmatch import fnmatchcase

__all__ = ["ReorderInput", "ReorderRules", "ReorderSuggestion", "Supplier", "suggest_reorders"]


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier's name, lead time and the SKU patterns it supplies."""

    name: str
    lead_time_days: int
    skus: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReorderRules:
    """The owner's sizing: days of sales to cover, safety days, and the sales window."""

    cover_days: int = 30
    safety_days: int = 0
    velocity_days: int = 30
    lead_time_days: int = 14
    """For a SKU no supplier is known for."""
    suppliers: tuple[Supplier, ...] = ()


@dataclass(frozen=True, slots=True)
class ReorderInput:
    """What one SKU has and wants, as the edge read it from the state database."""

    sku: str
    on_hand: int = 0
    """The platform's available count (negative when sold beyond stock)."""
    waiting: int = 0
    """Units of waiting order lines not yet served."""
    sold: int = 0
    """Units ordered within the rules' ``velocity_days``."""
    open_po_units: int = 0
    """What the open purchase orders still bring (ordered less received)."""
    last_supplier: str = ""
    """The supplier of the SKU's newest purchase order."""
    pool: str = ""
    """The stock pool it shares a count with (every member reports the pool's count)."""


@dataclass(frozen=True, slots=True)
class ReorderSuggestion:
    """Order ``units`` of ``skus`` from ``supplier`` by ``order_by`` (arriving ``arrives_by``)."""

    skus: tuple[str, ...]
    supplier: str
    units: int
    order_by: date
    arrives_by: date
    lead_time_days: int
    waiting: int
    on_hand: int
    open_po_units: int
    daily_sales: float
    why: str = field(default="")

    @property
    def key(self) -> str:
        return " + ".join(self.skus)


def _per_day(daily: float) -> str:
    """``0.03``, ``0.1``, ``2``: a sales rate as few digits as say it."""
    return f"{daily:.2f}".rstrip("0").rstrip(".") or "0"


def _supplier(rules: ReorderRules, skus: Sequence[str], last: str) -> tuple[str, int]:
    for supplier in rules.suppliers:
        if any(fnmatchcase(sku, pattern) for sku in skus for pattern in supplier.skus):
            return supplier.name, supplier.lead_time_days
    for supplier in rules.suppliers:
        if last and supplier.name.casefold() == last.casefold():
            return supplier.name, supplier.lead_time_days
    return last, rules.lead_time_days


def _groups(items: Iterable[ReorderInput]) -> list[list[ReorderInput]]:
    """SKUs with their own count alone; the members of a stock pool together."""
    groups: dict[str, list[ReorderInput]] = {}
    for item in items:
        key = f"pool:{item.pool}" if item.pool else f"sku:{item.sku}"
        groups.setdefault(key, []).append(item)
    return list(groups.values())


def suggest_one(
    members: Sequence[ReorderInput], rules: ReorderRules, today: date
) -> ReorderSuggestion | None:
    """The suggestion for one SKU or one pool's members; None when nothing needs ordering."""
    skus = tuple(sorted(item.sku for item in members))
    newest = next((item.last_supplier for item in members if item.last_supplier), "")
    supplier, lead = _supplier(rules, skus, newest)
    # A pool's members each report the pool's one count: count it once.
    on_hand = max(0, members[0].on_hand if members[0].pool else sum(m.on_hand for m in members))
    waiting = sum(max(0, item.waiting) for item in members)
    sold = sum(max(0, item.sold) for item in members)
    incoming = sum(max(0, item.open_po_units) for item in members)
    daily = sold / rules.velocity_days if rules.velocity_days > 0 else 0.0
    horizon = lead + rules.safety_days + rules.cover_days
    needed = waiting + math.ceil(daily * horizon)
    in_hand = on_hand + incoming
    units = needed - in_hand
    if units <= 0:
        return None
    spare = in_hand - waiting
    if spare < 0:
        # Customers already wait for units nothing brings: every day of delay is theirs.
        order_by, why = today, f"{-spare} waiting units have no supply"
    elif spare == 0 or daily <= 0:
        order_by, why = (
            today,
            f"stock and open POs only cover the waiting orders; {_per_day(daily)}/day",
        )
    else:
        lasts = math.floor(spare / daily)
        order_by = today + timedelta(days=max(0, lasts - lead - rules.safety_days))
        why = f"{spare} spare units last {lasts} days at {_per_day(daily)}/day"
    return ReorderSuggestion(
        skus=skus,
        supplier=supplier,
        units=units,
        order_by=order_by,
        arrives_by=order_by + timedelta(days=lead),
        lead_time_days=lead,
        waiting=waiting,
        on_hand=on_hand,
        open_po_units=incoming,
        daily_sales=round(daily, 2),
        why=why,
    )


def suggest_reorders(
    items: Iterable[ReorderInput], rules: ReorderRules, today: date
) -> list[ReorderSuggestion]:
    """Every SKU (or pool) that needs ordering, most urgent first (then by supplier and SKU)."""
    found = [
        suggestion
        for members in _groups(items)
        if (suggestion := suggest_one(members, rules, today)) is not None
    ]
    return sorted(found, key=lambda s: (s.order_by, s.supplier, s.skus))
