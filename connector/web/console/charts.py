"""Small bar charts drawn on the server as SVG: no script, no CDN, readable with styles off.

A :class:`BarChart` holds its bars already laid out (position, size, label, value), so the
template only writes ``<rect>`` and ``<text>`` elements, and a test can read the bars back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Bar", "BarChart", "bar_chart", "buckets"]

WIDTH = 420
ROW = 26
LABEL = 150
VALUE = 70


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: its label, its value as shown, and its box in the SVG."""

    label: str
    value: float
    shown: str
    y: int
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """A titled horizontal bar chart, laid out for a ``WIDTH``-wide SVG."""

    title: str
    bars: tuple[Bar, ...]
    note: str = ""
    width: int = WIDTH
    label_width: int = LABEL
    row: int = ROW

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.row + 4

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def bar_chart(
    title: str,
    values: Sequence[tuple[str, float]],
    *,
    maximum: float | None = None,
    unit: str = "",
    note: str = "",
) -> BarChart:
    """Bars for ``(label, value)`` pairs, scaled to ``maximum`` (default: the largest value)."""
    top = maximum if maximum is not None else max((value for _, value in values), default=0)
    room = WIDTH - LABEL - VALUE
    bars = tuple(
        Bar(
            label=label,
            value=value,
            shown=f"{value:g}{unit}",
            y=index * ROW + 2,
            width=round(room * value / top, 1) if top > 0 else 0.0,
        )
        for index, (label, value) in enumerate(values)
    )
    return BarChart(title, bars, note)


def buckets(
    values: Iterable[int], edges: Sequence[tuple[str, int | None, int | None]]
) -> list[tuple[str, float]]:
    """Count ``values`` into labelled ranges ``(label, low, high)``, both ends included, an end
    None meaning open; each value counts in the first range it falls in."""
    counts = [0] * len(edges)
    for value in values:
        for index, (_, low, high) in enumerate(edges):
            if (low is None or value >= low) and (high is None or value <= high):
                counts[index] += 1
                break
    return [(label, float(n)) for (label, _, _), n in zip(edges, counts, strict=True)]
