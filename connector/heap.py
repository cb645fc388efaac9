"""The process's heap while a warm engine is built: no collection during, none over it after.

On the benchmark shop (1M order lines) a warm engine is millions of objects that live until the
next build. Read with the cyclic collector on, each full collection walked the growing heap
again; held, each later full collection walks all of it for nothing (suspected of a first
100-order cycle of 18.5 s against 4-5 s for the next ones, load 10; 12.7 s with this). Reference
counting frees what an engine drops; only garbage in reference cycles waits for the collector.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused", "kept_for_good"]


class _Kept:
    held = False
    """Whether :func:`kept_for_good` froze something that lives on. Kept here, not asked of
    ``gc.get_freeze_count()``: that walks every frozen object (3M for a warm engine) per call."""


@contextlib.contextmanager
def kept_for_good() -> Iterator[None]:
    """Build something big and long-lived inside: the collector first frees what an earlier
    build left in cycles, is off during the block, and afterwards leaves everything alive then
    out of its collections (``gc.freeze``) until the next such block."""
    if _Kept.held:
        gc.unfreeze()
        gc.collect()
    try:
        with collector_paused():
            yield
    finally:
        gc.freeze()
        _Kept.held = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures (a plan).

    A plan allocates hundreds of thousands of small tuples and dataclasses and frees none of them;
    each generation-0 collection would walk the whole young heap again for nothing (measured:
    it more than doubled the time of a full plan). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Hand what survived to the oldest generation directly: otherwise the first young
        # collection after enabling walks every object made during the pause (0.4 s at scale).
        gc.freeze()
        if not _Kept.held:
            # Not when something is kept for good: unfreezing thaws everything, and the next
            # full collection walked a warm engine's 3M objects for nothing (2.8 s).
            gc.unfreeze()
        if enabled:
            gc.enable()
