"""What of a plan's queue must be written: only the SKUs whose queue changed since the last save.

A plan's queue is the whole shop's (every waiting line: 7,035 rows on the 30k-order sandbox shop),
and the cycle used to replace it whole every time: a quiet cycle deleted and inserted every row to
change none. A warm engine knows what it saved last, so the cycle writes the queues of the SKUs
that differ and leaves the rest alone. The stored queue stays exactly the plan's queue.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.model import BackorderEntry

__all__ = ["SavedQueue"]

Queues = dict[str, tuple[BackorderEntry, ...]]


def by_sku(queue: Sequence[BackorderEntry]) -> Queues:
    """The queue's entries per SKU, in queue order."""
    found: dict[str, list[BackorderEntry]] = {}
    for entry in queue:
        found.setdefault(entry.sku, []).append(entry)
    return {sku: tuple(entries) for sku, entries in found.items()}


class SavedQueue:
    """The shop's queue as last saved by this process, per SKU (None: not known)."""

    def __init__(self) -> None:
        self._saved: Queues | None = None

    def changes(self, queue: Sequence[BackorderEntry]) -> tuple[Queues, list[str] | None]:
        """``queue`` per SKU, and the SKUs whose queue must be written (None: all of them, the
        stored queue is not known to this process)."""
        new = by_sku(queue)
        saved = self._saved
        if saved is None:
            return new, None
        # Unchanged queues hold the very same entry objects, so most comparisons stop at identity.
        changed = [sku for sku, entries in new.items() if saved.get(sku) != entries]
        changed += [sku for sku in saved if sku not in new]
        return new, changed

    def saved(self, queues: Queues) -> None:
        """``queues`` (from :meth:`changes`) are now what the database holds."""
        self._saved = queues

    def forget(self) -> None:
        """The stored queue may differ from what we saved (a failed cycle, another daemon)."""
        self._saved = None
