"""Arriving stock goes down a SKU's queue in order: partial allocation allowed, never more than there is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Claim", "allocate"]


@dataclass(slots=True)
class Claim:
    """One queued line's claim on stock while a SKU is being worked out (the base of
    :class:`~connector.engine.detection.Queued`: one object per queued line, not two)."""

    waiting: int
    allocated: int
    blocked: bool
    """A pre-order before its release date: it may not take stock yet."""


def allocate(claims: Sequence[Claim], free: int) -> int:
    """Give ``free`` units to ``claims`` in order, each up to what it waits for; returns what is left.

    Blocked claims are skipped, not served later in this pass: they do not hold up the lines behind.
    """
    if free <= 0:
        return max(free, 0)
    for claim in claims:
        if claim.blocked or claim.waiting <= 0:
            continue
        units = min(claim.waiting, free)
        claim.waiting -= units
        claim.allocated += units
        free -= units
        if free == 0:
            break
    return free
