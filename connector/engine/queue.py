"""The order in which one SKU's waiting lines are served.

``fifo`` (the default): first come, first served. ``promise_at_risk``: the line with the oldest
promise goes first, so a date already given is kept before a new one is made. In both, a customer or
order tag listed in the policy's ``priority_tags`` boosts a line ahead of untagged ones (the earlier
the tag in the list, the bigger the boost); pre-orders are served purely by order time. Lines already
fully allocated stand at the head: they are served.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

__all__ = ["priority_of", "queue_key"]

_NO_DATE = date.max


def priority_of(tags: Iterable[str], priority_tags: Sequence[str]) -> tuple[int, str]:
    """The boost a line gets from its customer's and order's tags, and the tag that gave it."""
    if not priority_tags:
        return 0, ""
    folded = {tag.casefold(): tag for tag in tags}
    for index, wanted in enumerate(priority_tags):
        if wanted.casefold() in folded:
            return len(priority_tags) - index, wanted
    return 0, ""


def queue_key(
    rule: str,
    *,
    priority: int,
    preorder: bool,
    ordered_at: datetime,
    order_id: str,
    line_id: str,
    promised: date | None,
) -> tuple[int, int, date, datetime, str, str]:
    """Sort key for a waiting line under ``rule``; order and line ids break ties deterministically."""
    boost = 0 if preorder else -priority
    risk = (promised or _NO_DATE) if rule == "promise_at_risk" else _NO_DATE
    return (int(preorder), boost, risk, ordered_at, order_id, line_id)
