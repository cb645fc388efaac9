"""The daemon's periodic jobs as the scheduler runs them, and the wake-ups webhooks ask for.

:func:`schedule_jobs` registers each shop's cycle, promise check, webhook repair and digest, and
the one outbox job; :class:`WakeUps` remembers a wake-up that came while a shop's cycle ran, so
the cycle runs again right after it (APScheduler refuses a second instance of a running job:
"maximum number of running instances reached", and the delivery waited for the next tick).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from connector.daemon_digest import shop_zone
from connector.scheduler import Scheduler

if TYPE_CHECKING:
    from connector.daemon import Daemon

__all__ = ["OUTBOX_JOB_SHOP", "WakeUps", "bind_shop", "schedule_jobs"]

log = logging.getLogger(__name__)
R = TypeVar("R")

OUTBOX_JOB_SHOP = "*"
"""Outbox delivery claims each message atomically, so one job serves every shop."""


def schedule_jobs(daemon: Daemon, scheduler: Scheduler) -> None:
    """Register ``daemon``'s jobs on ``scheduler``, staggering shops so they do not start at once."""
    plan = daemon.settings.schedule
    start = scheduler.now()
    for index, shop in enumerate(daemon.shops):
        name = shop.name
        first = start + timedelta(seconds=2 * index)
        scheduler.add_interval(
            name,
            "cycle",
            bind_shop(daemon.cycle_job, name),
            seconds=plan.sync_interval_minutes * 60,
            first_run=first,
        )
        scheduler.add_interval(
            name,
            "promise",
            bind_shop(daemon.promise_check, name),
            seconds=plan.promise_check_minutes * 60,
        )
        if daemon.callback_base:
            scheduler.add_interval(
                name,
                "webhooks",
                bind_shop(daemon.repair_webhooks, name),
                seconds=plan.webhook_repair_hours * 3600,
                first_run=first + timedelta(seconds=1),
            )
        scheduler.add_daily(
            name,
            "digest",
            bind_shop(daemon.send_digest, name),
            hour=plan.digest_hour,
            timezone=shop_zone(shop.timezone),  # the owner reads it over their own breakfast
        )
    scheduler.add_interval(
        OUTBOX_JOB_SHOP,
        "outbox",
        daemon.deliver_outbox,
        seconds=plan.outbox_interval_seconds,
        first_run=start + timedelta(seconds=5),
    )


def bind_shop(func: Callable[..., object], shop: str) -> Callable[[], object]:
    """``func(shop)`` as a job of no arguments, named after both (for the scheduler's logs)."""

    def job() -> object:
        return func(shop)

    job.__name__ = f"{getattr(func, '__name__', 'job')}[{shop}]"
    return job


class WakeUps:
    """Which shops' cycles are running, and which were woken while running (thread-safe)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._running: set[str] = set()
        self._woken: set[str] = set()

    def run(self, shop: str, work: Callable[[], R], stopping: Callable[[], bool]) -> R:
        """``work()``, then again at once for as long as wake-ups came in while it ran."""
        while True:
            self.starting(shop)
            try:
                result = work()
            finally:
                again = self.finished(shop)
            if not again or stopping():
                return result
            log.info("a webhook came in during the cycle; running it again now")

    def starting(self, shop: str) -> None:
        """A run of ``shop`` begins: it drains what was queued before it."""
        with self._guard:
            self._running.add(shop)
            self._woken.discard(shop)

    def finished(self, shop: str) -> bool:
        """The run ended; True when a wake-up came during it (run again)."""
        with self._guard:
            self._running.discard(shop)
            woken = shop in self._woken
            self._woken.discard(shop)
            return woken

    def wake(self, shop: str) -> bool:
        """Note a wake-up; True when a run of ``shop`` is in hand (it will run again)."""
        with self._guard:
            if shop in self._running:
                self._woken.add(shop)
                return True
            return False
