"""The supply timeline of one SKU: what arrives when, from purchase orders, the shop and lead times."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from connector.model import PurchaseOrder

__all__ = ["Supply", "supply_for"]


@dataclass(frozen=True, slots=True)
class Supply:
    """Incoming units of one SKU.

    ``dated`` is ``(expected date, units)`` sorted by date, one point per date. ``undated`` counts units
    with no date or a date already passed (an overdue purchase order promises nothing we could pass on).
    ``lead_time_days`` is set when no purchase order is known and the policy gives a lead time: the
    supplier can then deliver any quantity that many days after a line was ordered.
    """

    dated: tuple[tuple[date, int], ...] = ()
    undated: int = 0
    lead_time_days: int | None = None
    sources: tuple[tuple[date, str], ...] = ()
    reasons: tuple[tuple[date | None, str], ...] = ()
    """The owner's reasons for customers, by expected date (None: undated or overdue supply)."""

    def dated_until(self, last: date) -> int:
        """Units expected on or before ``last``."""
        return sum(units for when, units in self.dated if when <= last)

    def source_on(self, when: date) -> str:
        """A short name for what arrives on ``when`` (for the queue's explanations)."""
        names = [name for day, name in self.sources if day == when]
        return ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")

    def reason_for(self, covered_on: date | None) -> str:
        """The owner's reason to tell a customer whose line the supply of ``covered_on`` covers
        (None: no dated supply covers it): that supply's reason, else the reason of the SKU's
        latest supply that has one, else ''. Never a PO id: only what the owner wrote for this."""
        for day, text in self.reasons:
            if covered_on is not None and day == covered_on:
                return text
        return self.reasons[-1][1] if self.reasons else ""

    def lead_time_date(self, ordered: date) -> date | None:
        if self.lead_time_days is None:
            return None
        return ordered + timedelta(days=self.lead_time_days)


EMPTY = Supply()


def supply_for(
    purchase_orders: Iterable[PurchaseOrder],
    shop_incoming: int,
    lead_time_days: int | None,
    today: date,
) -> Supply:
    """Build the timeline from the SKU's purchase orders, the shop's own incoming count and the lead time.

    Stock the shop reports as incoming counts only beyond what our purchase orders already explain
    (both usually describe the same delivery), and has no date.
    """
    by_date: dict[date, int] = {}
    sources: list[tuple[date, str]] = []
    reasons: list[tuple[date | None, str]] = []
    undated = 0
    known = 0
    for po in purchase_orders:
        units = po.outstanding
        if units <= 0:
            continue
        known += units
        if po.reason:
            dated = po.expected_date is not None and po.expected_date >= today
            reasons.append((po.expected_date if dated else None, po.reason))
        if po.expected_date is None or po.expected_date < today:
            undated += units
            continue
        by_date[po.expected_date] = by_date.get(po.expected_date, 0) + units
        sources.append((po.expected_date, po.reference or po.id))
    undated += max(0, shop_incoming - known)
    lead = lead_time_days if known == 0 and shop_incoming <= 0 else None
    if not by_date and not undated and lead is None and not reasons:
        return EMPTY
    return Supply(
        dated=tuple(sorted(by_date.items())),
        undated=undated,
        lead_time_days=lead,
        sources=tuple(sorted(sources)),
        # Undated first, then by date: the last one is the latest supply's reason.
        reasons=tuple(sorted(reasons, key=lambda item: (item[0] is not None, item[0] or today))),
    )
