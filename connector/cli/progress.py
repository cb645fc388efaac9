"""Progress of a shop's first (long) sync: bars on a terminal, periodic log lines elsewhere.

A first sync of a big shop takes many minutes. On a terminal it shows rich progress bars; off a
terminal (systemd, a container, a pipe) it logs one line when each phase starts, one every
``every`` seconds with the counts so far and the rate, and one when it is done, so a log reader
can tell a slow sync from a stuck one. Incremental syncs are short and stay quiet.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.db import Database
    from connector.platform import Resource
    from connector.sync import Progress, SyncResult

__all__ = ["LoggedProgress", "first_sync_progress"]

log = logging.getLogger("connector.sync")


def _counts(result: SyncResult) -> str:
    return (
        f"{result.pages} pages, {result.products} products, {result.variants} variants, "
        f"{result.orders} orders"
    )


class LoggedProgress:
    """A sync progress callback that logs: each phase, every ``every`` seconds, and the end."""

    def __init__(
        self,
        shop: str,
        *,
        every: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shop = shop
        self.every = every
        self.monotonic = monotonic
        self.started = monotonic()
        self.last_line = self.started
        self.phase: Resource | None = None
        self.result: SyncResult | None = None

    def _rate(self, result: SyncResult, now: float) -> str:
        objects = result.products + result.variants + result.orders
        seconds = max(now - self.started, 1e-9)
        return f"{objects / seconds:.0f} objects/s, {seconds:.0f} s"

    def __call__(self, resource: Resource, result: SyncResult) -> None:
        now = self.monotonic()
        self.result = result
        if resource != self.phase:
            self.phase = resource
            log.info(
                "first sync of %s: reading %s (%s so far)",
                self.shop,
                resource.value,
                _counts(result),
            )
            self.last_line = now
        elif now - self.last_line >= self.every:
            log.info(
                "first sync of %s: %s: %s (%s)",
                self.shop,
                resource.value,
                _counts(result),
                self._rate(result, now),
            )
            self.last_line = now

    def done(self) -> None:
        if self.result is not None:
            log.info(
                "first sync of %s done: %s (%s)",
                self.shop,
                _counts(self.result),
                self._rate(self.result, self.monotonic()),
            )


@contextlib.contextmanager
def first_sync_progress(
    db: Database, on_terminal: bool, *, every: float = 30.0
) -> Iterator[Callable[[str], Progress | None]]:
    """``for_shop(shop)`` gives a progress callback for a shop's first sync (None when the shop
    was synced before): rich bars on a terminal, :class:`LoggedProgress` lines elsewhere."""
    if not on_terminal:
        logged: list[LoggedProgress] = []

        def for_shop_logged(shop: str) -> Progress | None:
            if db.cursors(shop):
                return None
            progress = LoggedProgress(shop, every=every)
            logged.append(progress)
            return progress

        try:
            yield for_shop_logged
        finally:
            for progress in logged:
                progress.done()
        return
    from rich.progress import Progress as RichProgress
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    with RichProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bars:

        def for_shop(shop: str) -> Progress | None:
            if db.cursors(shop):
                return None  # an incremental sync is short; stay quiet
            task = bars.add_task(f"first sync of {shop}", total=None, detail="")

            def update(resource: Resource, result: SyncResult) -> None:
                bars.update(task, detail=f"{resource.value}: {_counts(result)}")

            return update

        yield for_shop
