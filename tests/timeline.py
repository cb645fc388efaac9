"""One time line for a Shopify sandbox's leaky bucket and the adapter that paces against it.

The adapter measures the bucket's refill on ``time.monotonic()`` plus the seconds it slept (an
injected sleep in a test moves a frozen clock instead of waiting). A sandbox bucket that counted only
the frozen clock would refill slower than the adapter expects whenever real seconds pass (a loaded
machine, the suite under faketime) and answer THROTTLED; one that counted only real time would
never see the injected sleeps. Real seconds plus the clock's moves is what both sides see.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from connector.clock import FrozenClock


def bucket_time(clock: FrozenClock) -> Callable[[], float]:
    """Seconds on the shared time line: real elapsed time plus every move of ``clock``."""
    start = clock()
    return lambda: time.monotonic() + (clock() - start).total_seconds()
