"""What the daemon last worked out for each shop, kept for the console's heavy pages.

The plan, report and reorder pages used to work their numbers out at each request, as their
commands do: a cold plan of the whole shop, every order of 90 days, every SKU sized. Inside the
daemon they need not: each warm cycle already made the shop's plan, and the report behind
``/metrics`` is worked out every :data:`~connector.daemon_metrics.REPORT_EVERY` anyway.

:class:`ShopViews` keeps, per shop, one frozen :class:`ShopView` and swaps a new one in whole
when a cycle ends, or when its worker thread has worked out a big shop's report
(:meth:`ShopViews.publish`, :meth:`ShopViews.in_background`): a page reading it on a web thread
sees the last finished view, never a half-made one. The objects inside (plans, reports,
suggestions) are frozen dataclasses nobody changes after.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from connector.engine.metrics import BackorderReport
from connector.engine.reorder import ReorderSuggestion
from connector.model import Plan

__all__ = ["PlanView", "ShopView", "ShopViews", "plan_numbers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlanView:
    """The plan a cycle made at ``at``, with the numbers the shop shows for its orders."""

    at: datetime
    plan: Plan
    numbers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShopView:
    """One shop as the daemon last worked it out; a part is None until it was."""

    shop: str
    plan: PlanView | None = None
    report: BackorderReport | None = None
    """Over :data:`~connector.reports.REPORT_DAYS` up to ``report.until``."""
    reorder: tuple[ReorderSuggestion, ...] | None = None
    reorder_at: datetime | None = None
    reorder_took: timedelta = timedelta(0)
    """How long the report and suggestions took to work out (the daemon's clock)."""


class ShopViews:
    """Each shop's last :class:`ShopView`; thread-safe (one writer per shop, many readers)."""

    def __init__(self) -> None:
        self._views: dict[str, ShopView] = {}
        self._lock = threading.Lock()
        self._worker: ThreadPoolExecutor | None = None
        self._busy: dict[str, Future[None]] = {}
        self._owed: dict[str, dict[str, Any]] = {}

    def get(self, shop: str) -> ShopView | None:
        """The shop's last view, or None before its first warm cycle."""
        with self._lock:
            return self._views.get(shop)

    def publish(self, shop: str, **parts: Any) -> ShopView:
        """Swap in a view with ``parts`` (any of :class:`ShopView`'s fields) replaced and the
        rest kept."""
        with self._lock:
            view = replace(self._views.get(shop) or ShopView(shop), **parts)
            self._views[shop] = view
            return view

    def in_background(self, shop: str, work: Callable[[], None]) -> bool:
        """Run ``work`` (which publishes what it worked out) on the views' own worker thread,
        so the cycle that asked does not wait for it; False when ``shop``'s last one is still
        running (it will publish soon enough). One worker for every shop: the refreshes take
        their turn rather than share the cores with each other."""
        with self._lock:
            running = self._busy.get(shop)
            if running is not None and not running.done():
                return False
            if self._worker is None:
                self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="views")
            self._busy[shop] = self._worker.submit(_logged, work)
            return True

    def owe(self, shop: str, numbers: dict[str, Any]) -> None:
        """Keep numbers worked out off a cycle for the shop's next cycle to record."""
        with self._lock:
            self._owed[shop] = numbers

    def take_owed(self, shop: str) -> dict[str, Any] | None:
        """The numbers :meth:`owe` kept for ``shop`` (once), or None."""
        with self._lock:
            return self._owed.pop(shop, None)

    def drain(self) -> None:
        """Wait for the background work handed over so far (shutting down, and tests)."""
        with self._lock:
            running = list(self._busy.values())
        wait(running)

    def close(self) -> None:
        """Let the running work finish and stop the worker."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=True)


def _logged(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # the worker outlives one bad refresh; the views keep the older numbers
        log.exception("background work for the console failed")


def plan_numbers(plan: Plan, found: Sequence[Any]) -> dict[str, str]:
    """Order id -> number for ``plan``'s order actions, from the orders ``found`` (read by id)."""
    wanted = {action.order_id for action in plan.order_actions}
    return {o.platform_id: o.number for o in found if o.platform_id in wanted}
