"""Report numbers from the backorder history: how often, how long, how honest, how much is owed.

Pure: it reads events, the current queue and the orders they belong to, and returns numbers.

* backorder rate: order lines that had to wait / order lines ordered (in the window);
* fill rate: units shipped from stock at once / units ordered;
* on-time rate: lines allocated on or before the first date promised / lines allocated;
* average wait: days from the order to allocation, over lines allocated (from detection when the
  order is not among ``orders``): a connector started on a live shop first sees old orders late;
* cancellations while waiting: lines and units cancelled from the queue;
* open backorder value: what waiting customers paid for and have not got, per currency;
* top backordered SKUs and demand while out of stock: units that came in short, by SKU.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connector.model import BackorderEntry, BackorderEvent, BackorderEventKind, Order

__all__ = ["BackorderReport", "SkuDemand", "backorder_report", "report_from_parts"]


@dataclass(frozen=True, slots=True)
class SkuDemand:
    sku: str
    units_short: int
    lines_short: int
    waiting_now: int


@dataclass(frozen=True, slots=True)
class BackorderReport:
    """The numbers of ``connector report``; rates are None when there is nothing to divide by."""

    shop: str
    since: datetime | None
    until: datetime
    lines_ordered: int = 0
    units_ordered: int = 0
    lines_backordered: int = 0
    units_backordered: int = 0
    backorder_rate: float | None = None
    fill_rate: float | None = None
    lines_allocated: int = 0
    on_time: int = 0
    on_time_rate: float | None = None
    average_wait_days: float | None = None
    cancelled_lines: int = 0
    cancelled_units: int = 0
    waiting_lines: int = 0
    waiting_units: int = 0
    open_value: dict[str, Decimal] = field(default_factory=dict)
    top_skus: tuple[SkuDemand, ...] = ()
    waiting_ages_days: tuple[int, ...] = ()
    """Each waiting line's age in whole days since it was ordered (for the console's chart)."""
    lateness_days: tuple[int | None, ...] = ()
    """Each served line's days past its first promised date (negative: early; None: no date
    was promised), for the console's chart of how honest the promises were."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money as strings (exact), dates as ISO text."""
        return {
            "shop": self.shop,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "lines_ordered": self.lines_ordered,
            "units_ordered": self.units_ordered,
            "lines_backordered": self.lines_backordered,
            "units_backordered": self.units_backordered,
            "backorder_rate": self.backorder_rate,
            "fill_rate": self.fill_rate,
            "lines_allocated": self.lines_allocated,
            "on_time": self.on_time,
            "on_time_rate": self.on_time_rate,
            "average_wait_days": self.average_wait_days,
            "cancelled_lines": self.cancelled_lines,
            "cancelled_units": self.cancelled_units,
            "waiting_lines": self.waiting_lines,
            "waiting_units": self.waiting_units,
            "open_value": {currency: str(value) for currency, value in self.open_value.items()},
            "top_skus": [
                {
                    "sku": item.sku,
                    "units_short": item.units_short,
                    "lines_short": item.lines_short,
                    "waiting_now": item.waiting_now,
                }
                for item in self.top_skus
            ],
        }

    def rows(self) -> list[tuple[str, str]]:
        """(metric, value) pairs for CSV output."""
        data = self.as_dict()
        rows = [(key, "" if value is None else str(value)) for key, value in data.items()]
        rows = [(key, value) for key, value in rows if key not in ("open_value", "top_skus")]
        rows += [(f"open_value_{cur}", value) for cur, value in data["open_value"].items()]
        rows += [
            (f"top_sku_{rank}", f"{item['sku']}:{item['units_short']}")
            for rank, item in enumerate(data["top_skus"], start=1)
        ]
        return rows


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def backorder_report(
    shop: str,
    events: Iterable[BackorderEvent],
    *,
    queue: Sequence[BackorderEntry],
    orders: Sequence[Order],
    until: datetime,
    since: datetime | None = None,
    top: int = 10,
) -> BackorderReport:
    """The report for ``shop`` over [since, until]; the queue and open value are as of now."""
    in_window = [
        o for o in orders if (since is None or o.created_at >= since) and o.created_at <= until
    ]
    prices: dict[str, tuple[Decimal, str]] = {}
    for order in orders:
        for line in order.lines:
            prices[line.platform_id] = (line.price.amount, line.price.currency)
    return report_from_parts(
        shop,
        events,
        queue=queue,
        lines_ordered=sum(len(o.lines) for o in in_window),
        units_ordered=sum(line.quantity for o in in_window for line in o.lines),
        # The customer's wait starts when they ordered, not when the connector first saw the line.
        ordered_at={line.platform_id: o.created_at for o in orders for line in o.lines},
        prices=prices,
        until=until,
        since=since,
        top=top,
    )


def report_from_parts(
    shop: str,
    events: Iterable[BackorderEvent],
    *,
    queue: Iterable[BackorderEntry],
    lines_ordered: int,
    units_ordered: int,
    ordered_at: Mapping[str, datetime],
    prices: Mapping[str, tuple[Decimal, str]],
    until: datetime,
    since: datetime | None = None,
    top: int = 10,
) -> BackorderReport:
    """:func:`backorder_report` from what it reads of the orders, summed or looked up by the
    caller (the database, on a big shop): the window's lines and units ordered, when each served
    line was ordered, and each waiting line's price (amount, currency). Lines missing from
    ``ordered_at`` wait from detection; from ``prices``, add nothing to the open value."""
    detected: dict[str, BackorderEvent] = {}
    allocated_at: dict[str, datetime] = {}
    short_units: Counter[str] = Counter()
    short_lines: Counter[str] = Counter()
    cancelled_lines: set[str] = set()
    cancelled_units = 0
    for event in events:
        if event.at > until or (since is not None and event.at < since):
            continue
        if event.kind is BackorderEventKind.DETECTED and event.line_id not in detected:
            detected[event.line_id] = event
            short_units[event.sku] += event.quantity
            short_lines[event.sku] += 1
        elif event.kind is BackorderEventKind.ALLOCATED:
            allocated_at[event.line_id] = event.at  # the last allocation completes the line
        elif event.kind is BackorderEventKind.CANCELLED:
            cancelled_lines.add(event.line_id)
            cancelled_units += event.quantity
    queue = list(queue)
    still_waiting = {entry.line_id for entry in queue if entry.waiting}
    waits: list[float] = []
    lateness: list[int | None] = []
    on_time = 0
    for line_id, when in allocated_at.items():
        first = detected.get(line_id)
        if first is None or line_id in still_waiting:
            continue
        start = min(ordered_at.get(line_id, first.at), first.at)
        waits.append((when - start).total_seconds() / 86400)
        promised: date | None = first.eta
        lateness.append(None if promised is None else (when.date() - promised).days)
        if promised is not None and when.date() <= promised:
            on_time += 1
    units_backordered = sum(event.quantity for event in detected.values())
    open_value: dict[str, Decimal] = defaultdict(Decimal)
    waiting_now: Counter[str] = Counter()
    ages: dict[str, int] = {}
    for entry in queue:
        if not entry.waiting:
            continue
        waiting_now[entry.sku] += entry.waiting
        ages[entry.line_id] = max(0, (until - entry.ordered_at).days)
        price = prices.get(entry.line_id)
        if price is not None:
            open_value[price[1]] += price[0] * entry.waiting
    ranked = sorted(short_units, key=lambda sku: (-short_units[sku], sku))[:top]
    return BackorderReport(
        shop=shop,
        since=since,
        until=until,
        lines_ordered=lines_ordered,
        units_ordered=units_ordered,
        lines_backordered=len(detected),
        units_backordered=units_backordered,
        backorder_rate=_rate(len(detected), lines_ordered),
        fill_rate=_rate(units_ordered - units_backordered, units_ordered),
        lines_allocated=len(waits),
        on_time=on_time,
        on_time_rate=_rate(on_time, len(waits)),
        average_wait_days=round(sum(waits) / len(waits), 2) if waits else None,
        cancelled_lines=len(cancelled_lines),
        cancelled_units=cancelled_units,
        waiting_lines=len(still_waiting),
        waiting_units=sum(waiting_now.values()),
        open_value=dict(sorted(open_value.items())),
        top_skus=tuple(
            SkuDemand(sku, short_units[sku], short_lines[sku], waiting_now[sku]) for sku in ranked
        ),
        waiting_ages_days=tuple(sorted(ages.values())),
        lateness_days=tuple(lateness),
    )
