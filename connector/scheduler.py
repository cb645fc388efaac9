"""The one wrapper around APScheduler 3.11: every periodic job of the daemon goes through here.

Jobs are plain functions of no arguments (bind their dependencies with a closure or
``functools.partial``), registered per shop under ids ``"<shop>:<job>"``. Every job gets
``coalesce=True`` (missed runs collapse into one), ``max_instances=1`` (a slow run is never
overlapped by the next) and an explicit ``misfire_grace_time`` from the config.

Each run is guarded: an exception is logged with the shop and counted, never propagated, so one
failing shop never stops the others (nor its own next run). :meth:`Scheduler.run_until_stopped`
turns SIGTERM and SIGINT into a clean stop: no new runs start, and the runs in hand finish their
current unit of work (they poll :attr:`Scheduler.stopping`) before the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector.clock import Clock, system_clock
from connector.errors import ConnectorError
from connector.logs import shop_context

__all__ = ["JobInfo", "Scheduler"]

log = logging.getLogger(__name__)

JobFunc = Callable[[], object]
ErrorHook = Callable[[str, str, BaseException], None]


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A registered job as ``connector status`` and the tests see it."""

    id: str
    shop: str
    name: str
    trigger: str
    coalesce: bool
    max_instances: int
    misfire_grace_time: int | None
    next_run: datetime | None


class Scheduler:
    """Per-shop periodic jobs on a background thread pool.

    ``on_error(shop, job, error)`` is told about every failed run (metrics hook it). ``workers``
    bounds how many jobs run at once; shops beyond it wait their turn rather than fail.
    """

    def __init__(
        self,
        *,
        misfire_grace_seconds: int = 60,
        timezone: tzinfo = UTC,
        workers: int = 8,
        on_error: ErrorHook | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.clock = clock
        """Wall time as APScheduler runs on it: first runs and wake-ups are placed with it."""
        self.misfire_grace_seconds = misfire_grace_seconds
        self.stopping = threading.Event()
        """Set when the daemon is asked to stop: long jobs check it between units of work."""
        self._on_error = on_error
        self._scheduler = BackgroundScheduler(
            timezone=timezone,
            executors={"default": {"type": "threadpool", "max_workers": workers}},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": misfire_grace_seconds,
            },
        )
        self._names: dict[str, tuple[str, str]] = {}

    # registration -----------------------------------------------------------------------------

    def add_interval(
        self,
        shop: str,
        name: str,
        func: JobFunc,
        *,
        seconds: float,
        first_run: datetime | None = None,
    ) -> str:
        """Run ``func`` every ``seconds`` (first at ``first_run``, default: one interval from now)."""
        trigger = IntervalTrigger(seconds=max(1, int(seconds)))
        return self._add(shop, name, func, trigger, first_run)

    def add_daily(
        self,
        shop: str,
        name: str,
        func: JobFunc,
        *,
        hour: int,
        minute: int = 0,
        timezone: tzinfo | None = None,
    ) -> str:
        """Run ``func`` every day at ``hour:minute`` in ``timezone`` (default: the scheduler's)."""
        trigger = CronTrigger(
            hour=hour, minute=minute, timezone=timezone or self._scheduler.timezone
        )
        return self._add(shop, name, func, trigger, None)

    def _add(
        self, shop: str, name: str, func: JobFunc, trigger: Any, first_run: datetime | None
    ) -> str:
        job_id = f"{shop}:{name}"
        extra: dict[str, Any] = {}
        if first_run is not None:
            extra["next_run_time"] = first_run
        self._scheduler.add_job(
            self._guarded,
            trigger,
            args=(shop, name, func),
            id=job_id,
            name=job_id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self.misfire_grace_seconds,
            replace_existing=True,
            **extra,
        )
        self._names[job_id] = (shop, name)
        return job_id

    def now(self) -> datetime:
        """The scheduler's current time, in its time zone."""
        return self.clock().astimezone(self._scheduler.timezone)

    def jobs(self) -> list[JobInfo]:
        infos = []
        for job in self._scheduler.get_jobs():
            shop, name = self._names.get(job.id, ("-", job.id))
            infos.append(
                JobInfo(
                    id=job.id,
                    shop=shop,
                    name=name,
                    trigger=str(job.trigger),
                    coalesce=bool(job.coalesce),
                    max_instances=int(job.max_instances),
                    misfire_grace_time=job.misfire_grace_time,
                    next_run=getattr(job, "next_run_time", None),
                )
            )
        return sorted(infos, key=lambda info: info.id)

    # running ----------------------------------------------------------------------------------

    def wake(self, shop: str, name: str) -> bool:
        """Move a job's next run to now (a webhook arrived); False when there is no such job."""
        job = self._scheduler.get_job(f"{shop}:{name}")
        if job is None or not self._scheduler.running:
            return False
        job.modify(next_run_time=self.now())
        return True

    def _guarded(self, shop: str, name: str, func: JobFunc) -> None:
        if self.stopping.is_set():
            return
        with shop_context(shop):
            try:
                func()
            except Exception as error:  # one failing shop never stops the others
                if isinstance(error, ConnectorError):
                    # Expected trouble (throttled, credentials revoked): one clear line is enough.
                    log.error("job %s failed: %s", name, error, extra={"job": name})
                else:
                    log.exception("job %s failed: %s", name, error, extra={"job": name})
                if self._on_error is not None:
                    try:
                        self._on_error(shop, name, error)
                    except Exception:
                        log.exception("error hook failed")

    def start(self) -> None:
        self._scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """No new runs; with ``wait``, block until the runs in hand have finished."""
        self.stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def run_until_stopped(self, *, install_signals: bool = True) -> None:
        """Start, block until SIGTERM/SIGINT (or :meth:`request_stop`), then stop cleanly."""
        previous: dict[signal.Signals, Any] = {}
        if install_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self._on_signal)
        try:
            self.start()
            while not self.stopping.wait(1.0):
                pass
        finally:
            log.info("stopping: finishing the work in hand")
            self.stop(wait=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log.info("stopped")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        self.stopping.set()
