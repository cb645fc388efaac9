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

__all__ = ["kept_for_good"]


@contextlib.contextmanager
def kept_for_good() -> Iterator[None]:
    """Build something big and long-lived inside: the collector first frees what an earlier
    build left in cycles, is off during the block, and afterwards leaves everything alive then
    out of its collections (``gc.freeze``) until the next such block."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
