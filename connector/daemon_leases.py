"""Who works a shop now, inside one daemon and across daemons: a lock per shop, then its lease.

The lease (:mod:`connector.lease`) keeps two daemons off one shop; the lock keeps this daemon's
own jobs on one shop (cycle, promise check, resync, digest, webhook repair) from running at once,
which the lease alone would let in, being the same holder.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa

from connector.clock import Clock
from connector.lease import LeaseKeeper

__all__ = ["ShopGuard"]

log = logging.getLogger(__name__)


class ShopGuard:
    """The locks and leases of one daemon's shops (``holder`` names this daemon)."""

    def __init__(
        self,
        engine: sa.Engine,
        holder: str,
        *,
        lease_seconds: float,
        clock: Clock,
        renew_every: float | None = None,
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.lease_seconds = lease_seconds
        self.clock = clock
        self.renew_every = renew_every
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def lease(self, shop: str) -> LeaseKeeper:
        """The shop's lease for this daemon (entered, it tries to take it and keeps renewing)."""
        return LeaseKeeper(
            self.engine,
            shop,
            self.holder,
            ttl=timedelta(seconds=self.lease_seconds),
            clock=self.clock,
            renew_every=self.renew_every,
        )

    @contextlib.contextmanager
    def holding(self, shop: str) -> Iterator[LeaseKeeper | None]:
        """Work ``shop`` alone: this process's lock on it, then its lease; None when either is taken.

        A job waits for the one in hand up to one lease period, then gives up for this tick.
        """
        with self._locks_guard:
            lock = self._locks.setdefault(shop, threading.Lock())
        if not lock.acquire(timeout=max(1, self.lease_seconds)):
            log.info("%s is still busy with another job here; skipped", shop)
            yield None
            return
        try:
            with self.lease(shop) as lease:
                if not lease.acquired:
                    log.debug("%s is worked by another daemon", shop)
                    yield None
                else:
                    yield lease
        finally:
            lock.release()
