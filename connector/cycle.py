"""One shop's cycle: drain resyncs, pull, plan, apply, re-read, record.

::

    resync requests ─▶ fetch ─┐
    cursors ─▶ read_changes ──┤
    queue ─▶ fetch(waiting orders, 100 a time; promise check only) ─┴▶ store ─▶ plan_for_shop ─▶ apply_storefront / apply_order_actions
                                                     ├──▶ outbox.enqueue(notifications)
                                                     ├──▶ store.replace_queue / append_events
                                                     └──▶ fetch(touched) ─▶ store   (next plan empty)

Writes go out only while the shop's lease is still ours (``still_held``). A failed write is never
dropped: the shop still shows the old state, so the next plan asks for it again; retryable failures
just wait for that, permanent ones are reported in the cycle's :class:`CycleReport` (and so in
``connector status``) every time until a person fixes the cause.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from connector import stock_arrivals
from connector.clock import Clock
from connector.daemon_schema import cycle_runs, webhook_deliveries
from connector.db import StateStore
from connector.logs import redact
from connector.metrics import Metrics
from connector.model import (
    Notification,
    OrderActionKind,
    Plan,
    WriteResult,
    WriteStatus,
)
from connector.platform import PlatformAdapter, ResyncTarget
from connector.resync_queue import (
    PendingResync,
    merge_targets,
    pending_resyncs,
    prune_resyncs,
    resync_done,
    resync_failed,
)
from connector.settings import Settings, ShopSettings
from connector.sync import (
    Progress,
    SyncResult,
    pull,
    reconcile_waiting_orders,
    resync,
)

__all__ = [
    "CycleDeps",
    "CycleReport",
    "Planner",
    "error_text",
    "record_run",
    "run_cycle",
]

log = logging.getLogger(__name__)


class OutboxLike(Protocol):
    def enqueue(self, notifications: Iterable[Notification], shop: ShopSettings) -> int: ...


Planner = Callable[[Any, Settings, str, datetime], Plan]
"""``plan_for_shop(db, settings, shop_name, now)``."""


@dataclass
class CycleDeps:
    """Everything one shop's cycle needs, built once per daemon (or per command)."""

    shop: str
    settings: Settings
    db: Any
    """The foundation's Database (what ``plan_for_shop`` reads)."""
    store: StateStore
    adapter: PlatformAdapter
    outbox: OutboxLike
    planner: Planner
    clock: Clock
    engine: sa.Engine
    metrics: Metrics = field(default_factory=Metrics)


@dataclass
class CycleReport:
    """What one cycle did, as ``connector status``, the logs and the demo show it."""

    shop: str
    started_at: datetime
    finished_at: datetime | None = None
    sync: SyncResult = field(default_factory=SyncResult)
    resynced: SyncResult = field(default_factory=SyncResult)
    resync_requests: int = 0
    plan: Plan | None = None
    storefront_results: list[WriteResult] = field(default_factory=list)
    order_results: list[WriteResult] = field(default_factory=list)
    notifications: int = 0
    refreshed: SyncResult = field(default_factory=SyncResult)
    lease_lost: bool = False
    error: str = ""
    reconciled: SyncResult = field(default_factory=SyncResult)
    """The promise check's re-read of the orders still waiting (see ``reconcile_waiting_orders``)."""
    reconcile_error: str = ""
    """Why that re-read failed, if it did: the check still plans on what the database holds."""
    held_before: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For each order the plan releases, the line ids our hold covered when the plan was made,
    so a release and re-hold can be told as one move ("X ships now; hold moved to Y")."""

    @property
    def ok(self) -> bool:
        return not self.error and not self.lease_lost

    @property
    def failures(self) -> list[WriteResult]:
        return [
            r
            for r in (*self.storefront_results, *self.order_results)
            if r.status in (WriteStatus.FAILED, WriteStatus.CONFLICT)
        ]

    def counts(self, results: Sequence[WriteResult]) -> dict[str, int]:
        found: dict[str, int] = {}
        for result in results:
            found[result.status.value] = found.get(result.status.value, 0) + 1
        return found

    @property
    def planned(self) -> dict[str, int]:
        """How many of each part the plan held (all 0 when the cycle never got to plan)."""
        plan = self.plan
        return {
            "storefront": len(plan.storefront) if plan else 0,
            "order_actions": len(plan.order_actions) if plan else 0,
            "notifications": len(plan.notifications) if plan else 0,
            "queue": len(plan.queue) if plan else 0,
            "events": len(plan.events) if plan else 0,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "sync": self.sync.as_dict(),
            "resync_requests": self.resync_requests,
            "resynced": self.resynced.as_dict(),
            "reconciled": self.reconciled.as_dict(),
            "reconcile_error": self.reconcile_error,
            "plan": self.planned,
            "storefront": self.counts(self.storefront_results),
            "orders": self.counts(self.order_results),
            "failures": [
                {
                    "key": r.key,
                    "status": r.status.value,
                    "message": redact(r.message),
                    "retryable": r.retryable,
                }
                for r in self.failures[:50]
            ],
            "lease_lost": self.lease_lost,
        }


def error_text(error: BaseException) -> str:
    """How an error is stored and shown: its type and message, credentials masked, bounded."""
    return redact(f"{type(error).__name__}: {error}")[:2000]


def _drain_resyncs(deps: CycleDeps, report: CycleReport, should_stop: Callable[[], bool]) -> None:
    """Re-read what was asked for, merged into one fetch; never keeps the cycle from pulling.

    When the merged fetch fails, each request is tried on its own, so one bad id (a deleted
    order, a malformed target) fails alone and counts its attempts while the others are done.
    A request is marked done only when its re-read finished (a stopped full resync is not).
    """
    waiting = pending_resyncs(deps.engine, deps.shop)
    if not waiting:
        return
    report.resync_requests = len(waiting)
    target = merge_targets([item.target for item in waiting])
    if target.uninstalled:
        log.warning("the platform says the app was uninstalled; writes will fail until reinstalled")
    try:
        report.resynced = resync(
            deps.store, deps.adapter, deps.shop, target, should_stop=should_stop
        )
    except Exception as error:
        if len(waiting) == 1:
            _resync_failed(deps, waiting, error)
            return
        log.warning(
            "re-reading %d requests at once failed (%s); trying them one by one",
            len(waiting),
            error_text(error),
        )
        _drain_one_by_one(deps, report, waiting, should_stop)
        return
    if not report.resynced.stopped_early:
        resync_done(deps.engine, [item.id for item in waiting], deps.clock())


def _drain_one_by_one(
    deps: CycleDeps,
    report: CycleReport,
    waiting: list[PendingResync],
    should_stop: Callable[[], bool],
) -> None:
    for item in waiting:
        if should_stop():
            return
        try:
            result = resync(
                deps.store, deps.adapter, deps.shop, item.target, should_stop=should_stop
            )
        except Exception as error:
            _resync_failed(deps, [item], error)
            continue
        report.resynced.merge(result)
        if not result.stopped_early:
            resync_done(deps.engine, [item.id], deps.clock())


def _resync_failed(deps: CycleDeps, items: list[PendingResync], error: BaseException) -> None:
    text = error_text(error)
    log.warning("resync request %s failed: %s", ", ".join(str(i.id) for i in items), text)
    resync_failed(deps.engine, [item.id for item in items], text)


def _reconcile(deps: CycleDeps, report: CycleReport, should_stop: Callable[[], bool]) -> None:
    result = report.reconciled
    try:
        reconcile_waiting_orders(
            deps.store, deps.adapter, deps.shop, should_stop=should_stop, result=result
        )
    except Exception as error:
        # Stale by at most one more check: what the database holds is still a sound plan.
        report.reconcile_error = error_text(error)
        log.warning("re-reading the waiting orders failed: %s", report.reconcile_error)
    deps.metrics.inc("connector_reconciled_orders_total", result.orders, shop=deps.shop)
    log.info(
        "re-read %d waiting orders in %d fetches, %d API requests",
        result.orders,
        result.pages,
        result.requests,
    )


def _held_before(deps: CycleDeps, plan: Plan) -> dict[str, tuple[str, ...]]:
    released = dict.fromkeys(
        a.order_id for a in plan.order_actions if a.kind is OrderActionKind.RELEASE_HOLD
    )
    held: dict[str, tuple[str, ...]] = {}
    for order_id in released:
        order = deps.store.order(deps.shop, order_id)
        if order is not None:
            held[order_id] = tuple(line.platform_id for line in order.lines if line.on_hold)
    return held


def _touched(plan: Plan, report: CycleReport) -> ResyncTarget:
    """What our writes changed, to re-read so the database shows what the shop shows now.

    A write answered "skipped" (the shop already shows it) is re-read too: the plan wanted it
    because the database did not know, say a process that died between its writes and their
    re-read; WooCommerce order meta never moves ``date_modified``, so polling would never tell,
    and every later cycle would plan the same write again.
    """
    applied = {
        r.key
        for r in (*report.storefront_results, *report.order_results)
        if r.status in (WriteStatus.DONE, WriteStatus.CONFLICT, WriteStatus.SKIPPED)
    }
    products = tuple(dict.fromkeys(c.product_id for c in plan.storefront if c.key in applied))
    orders = tuple(dict.fromkeys(a.order_id for a in plan.order_actions if a.key in applied))
    return ResyncTarget(order_ids=orders, product_ids=products)


def run_cycle(
    deps: CycleDeps,
    *,
    sync: bool = True,
    apply: bool = True,
    reconcile: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
    still_held: Callable[[], bool] = lambda: True,
    progress: Progress | None = None,
    report: CycleReport | None = None,
) -> CycleReport:
    """One cycle for ``deps.shop``. Raises only for failures of the whole cycle (auth, network).

    ``sync=False`` is the hourly promise check: plan and apply against what the database holds;
    with ``reconcile`` it first re-reads every order still waiting (a failure of that re-read is
    reported on the report and in the logs, and the check goes on with what the database holds).
    ``apply=False`` plans without touching the shop or the outbox. Pass ``report`` to keep what
    the cycle did even when it raises: the error (redacted) is put on it before re-raising.
    """
    if report is None:
        report = CycleReport(shop=deps.shop, started_at=deps.clock())
    usage_before = replace(deps.adapter.usage)  # a copy: the adapter keeps counting on its own
    try:
        _drain_resyncs(deps, report, should_stop)
        if sync and not should_stop():
            report.sync = pull(
                deps.store, deps.adapter, deps.shop, should_stop=should_stop, progress=progress
            )
        if reconcile and not should_stop():
            _reconcile(deps, report, should_stop)
        if should_stop():
            return report
        if apply:  # stock that arrived fills its purchase orders before anything is promised
            stock_arrivals.receive(deps.store, deps.engine, deps.settings, deps.shop, deps.clock())
        plan = deps.planner(deps.db, deps.settings, deps.shop, deps.clock())
        report.plan = plan
        report.held_before = _held_before(deps, plan)
        if not apply:
            return report
        _apply(deps, plan, report, still_held)
        return report
    except Exception as error:
        report.error = error_text(error)
        raise
    finally:
        report.finished_at = deps.clock()
        deps.metrics.add_usage(deps.shop, usage_before, deps.adapter.usage)


def _apply(
    deps: CycleDeps, plan: Plan, report: CycleReport, still_held: Callable[[], bool]
) -> None:
    def lost(step: str) -> bool:
        # Checked before every persistence step: a daemon that lost the shop mid-apply stops
        # there, and the new holder re-plans from what the shop and the database show.
        if still_held():
            return False
        report.lease_lost = True
        log.warning("lease lost before %s; another daemon has the shop now", step)
        return True

    if lost("writing"):
        return
    if plan.storefront:
        report.storefront_results = deps.adapter.apply_storefront(plan.storefront)
    if plan.order_actions:
        if lost("order actions"):
            return
        report.order_results = deps.adapter.apply_order_actions(plan.order_actions)
    _log_writes(deps, report)
    # The outbox's idempotency key makes a repeated enqueue harmless, so enqueue even when a write
    # failed: the customer's news does not depend on our storefront label.
    if plan.notifications:
        if lost("queueing emails"):
            return
        deps.outbox.enqueue(plan.notifications, deps.settings.shop(deps.shop))
        report.notifications = len(plan.notifications)
    if lost("saving the queue"):
        return
    deps.store.replace_queue(deps.shop, plan.queue)
    if plan.events:
        if lost("saving the history"):
            return
        deps.store.append_events(plan.events)
    touched = _touched(plan, report)
    if not touched.is_empty:
        if lost("re-reading"):
            return
        report.refreshed = resync(deps.store, deps.adapter, deps.shop, touched)


def _log_writes(deps: CycleDeps, report: CycleReport) -> None:
    for result in report.failures:
        level = logging.INFO if result.retryable else logging.WARNING
        log.log(level, "write %s %s: %s", result.key, result.status.value, result.message)
    for status, count in report.counts([*report.storefront_results, *report.order_results]).items():
        deps.metrics.inc("connector_writes_total", count, shop=deps.shop, status=status)


RUN_HISTORY = timedelta(days=30)
"""How long run rows are kept: long enough to look back on, short enough to stay small."""

DEDUPE_WINDOW = timedelta(days=7)
"""How long a webhook delivery's key is remembered: platforms stop retrying well before (Shopify
within 48 hours, WooCommerce after a few tries), so an older replay cannot come."""


def record_run(
    engine: sa.Engine, report: CycleReport, *, kind: str = "cycle", holder: str = ""
) -> None:
    """Keep one row per run: ``/healthz``, ``connector status`` and the metrics read them.

    Rows older than :data:`RUN_HISTORY` are dropped as new ones come, so a daemon cycling every
    few minutes for years keeps a table of a few thousand rows per shop; so are webhook delivery
    keys older than :data:`DEDUPE_WINDOW` and resync requests finished that long ago.
    """
    with engine.begin() as conn:
        conn.execute(
            webhook_deliveries.delete()
            .where(webhook_deliveries.c.shop == report.shop)
            .where(webhook_deliveries.c.received_at < report.started_at - DEDUPE_WINDOW)
        )
        prune_resyncs(conn, report.shop, report.started_at - DEDUPE_WINDOW)
        conn.execute(
            cycle_runs.delete()
            .where(cycle_runs.c.shop == report.shop)
            .where(cycle_runs.c.started_at < report.started_at - RUN_HISTORY)
        )
        conn.execute(
            cycle_runs.insert().values(
                shop=report.shop,
                kind=kind,
                holder=holder,
                started_at=report.started_at,
                finished_at=report.finished_at or report.started_at,
                ok=report.ok,
                error=redact(report.error)[:2000],
                summary=json.dumps(report.summary(), default=str),
            )
        )
