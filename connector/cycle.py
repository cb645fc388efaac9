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

With a warm engine (``CycleDeps.warm``, the daemon's) the plan works out only what this cycle
brought in (:mod:`connector.warm_engine`); without, ``planner`` reads and plans the whole shop.
The report and its ``cycle_runs`` row live in :mod:`connector.cycle_report`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from connector import stock_arrivals
from connector.balance_collection import gate_releases
from connector.clock import Clock
from connector.cycle_report import (
    DEDUPE_WINDOW,
    RUN_HISTORY,
    CycleReport,
    error_text,
    record_run,
)
from connector.db import StateStore
from connector.heap import kept_for_good
from connector.metrics import Metrics, UsageSplit
from connector.model import Notification, OrderActionKind, Plan, WriteResult, WriteStatus
from connector.order_status_holds import hold_by_status
from connector.pay_on_release import request_payments
from connector.payments import run_money_step
from connector.platform import PlatformAdapter, ResyncTarget
from connector.resync_queue import (
    PendingResync,
    merge_targets,
    pending_resyncs,
    resync_done,
    resync_failed,
)
from connector.selling_plans import sync_selling_plans
from connector.settings import Settings, ShopSettings
from connector.sync import Progress, pull, reconcile_waiting_orders, resync
from connector.warm_engine import ShopEngine
from connector.web.swap_mail import without_swapped_cancels

__all__ = [
    "DEDUPE_WINDOW",
    "RUN_HISTORY",
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
    warm: ShopEngine | None = None
    """The shop's warm engine (the daemon's): plans what changed instead of ``planner``."""


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
            deps.store,
            deps.adapter,
            deps.shop,
            limit=deps.settings.schedule.reconcile_orders,
            should_stop=should_stop,
            result=result,
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
    with ``reconcile`` it first re-reads the orders still waiting, at most ``[schedule]
    reconcile_orders`` of them in turn (a failure of that re-read is
    reported on the report and in the logs, and the check goes on with what the database holds).
    ``apply=False`` plans without touching the shop or the outbox. Pass ``report`` to keep what
    the cycle did even when it raises: the error (redacted) is put on it before re-raising.
    """
    if report is None:
        report = CycleReport(shop=deps.shop, started_at=deps.clock())
    # Each step's requests are booked under its purpose as it ends, so each is counted once.
    split = UsageSplit(deps.adapter.usage)
    try:
        _drain_resyncs(deps, report, should_stop)
        split.mark("resync")
        if sync and not should_stop():
            report.sync = pull(
                deps.store, deps.adapter, deps.shop, should_stop=should_stop, progress=progress
            )
            report.sync.requests = split.mark("sync")
        if reconcile and not should_stop():
            _reconcile(deps, report, should_stop)
            split.mark("check")
        if should_stop():
            _forget(deps, "the cycle stopped before planning")
            return report
        if apply:  # stock that arrived fills its purchase orders before anything is promised
            stock_arrivals.receive(deps.store, deps.engine, deps.settings, deps.shop, deps.clock())
        plan = _decide(deps, report, full=reconcile)
        report.plan = plan
        report.held_before = _held_before(deps, plan)
        if not apply:
            _forget(deps, "the plan was not applied")
            return report
        _apply(deps, plan, report, still_held)
        if still_held():
            sync_selling_plans(deps)  # pre-order deposit / pay-later selling plans (Shopify)
        run_money_step(deps, plan, still_held)  # authorizations that would run out (Shopify)
        return report
    except Exception as error:
        report.error = error_text(error)
        _forget(deps, "the cycle failed")
        raise
    finally:
        report.finished_at = deps.clock()
        split.mark("sync" if report.plan is None and sync else "write")
        report.requests = split.requests()
        deps.metrics.add_split(deps.shop, split)


def _decide(deps: CycleDeps, report: CycleReport, *, full: bool) -> Plan:
    """The plan: the warm engine's for what this cycle brought in, else the planner's (cold).

    ``full`` (the promise check) plans every SKU: time passing is seen by full plans only.
    """
    if deps.warm is None:
        return deps.planner(deps.db, deps.settings, deps.shop, deps.clock())
    brought = (report.resynced, report.sync, report.reconciled)
    if deps.warm.warm:
        return deps.warm.plan(deps.store, brought, deps.clock(), full=full)
    with kept_for_good():  # a build: the shop's whole state, read and held from now on
        return deps.warm.plan(deps.store, brought, deps.clock(), full=full)


def _forget(deps: CycleDeps, reason: str) -> None:
    """The warm engine planned (or the database changed) past what was saved: rebuild it."""
    if deps.warm is not None:
        deps.warm.discard(reason)


def _apply(
    deps: CycleDeps, plan: Plan, report: CycleReport, still_held: Callable[[], bool]
) -> None:
    def lost(step: str) -> bool:
        # Checked before every persistence step: a daemon that lost the shop mid-apply stops
        # there, and the new holder re-plans from what the shop and the database show.
        if still_held():
            return False
        report.lease_lost = True
        _forget(deps, "the lease was lost")
        log.warning("lease lost before %s; another daemon has the shop now", step)
        return True

    if lost("writing"):
        return
    if plan.storefront:
        report.storefront_results = deps.adapter.apply_storefront(plan.storefront)
    if plan.order_actions:
        if lost("order actions"):
            return
        # A deferred pre-order's hold is released only once its balance is collected.
        actions, waiting = gate_releases(deps, plan.order_actions)
        sent = deps.adapter.apply_order_actions(actions) if actions else []
        report.order_results = [*sent, *waiting]
    if deps.settings.shop(deps.shop).on_hold_fully_waiting:
        if lost("order statuses"):
            return
        report.order_results += _status_holds(deps, plan, report)
    _log_writes(deps, report)
    # The outbox's idempotency key makes a repeated enqueue harmless, so enqueue even when a write
    # failed: the customer's news does not depend on our storefront label.
    # A swap's refund reads back as a cancel; its swap_confirmation is the customer's news.
    notices = without_swapped_cancels(deps.engine, deps.shop, plan.notifications)
    if notices:
        if lost("queueing emails"):
            return
        deps.outbox.enqueue(notices, deps.settings.shop(deps.shop))
        report.notifications = len(notices)
    # Pay-on-release pre-orders waiting unpaid in the shop get their payment link once released
    # (no lease check of its own: the outbox key makes a second daemon's enqueue harmless).
    report.notifications += request_payments(
        deps.store,
        deps.adapter,
        deps.outbox,
        settings=deps.settings,
        shop=deps.shop,
        now=deps.clock(),
    )
    if lost("saving the queue"):
        return
    if deps.warm is None:
        deps.store.replace_queue(deps.shop, plan.queue)
    else:  # only the SKUs whose queue changed since this process last saved it
        queues, skus = deps.warm.saved_queue.changes(plan.queue)
        if skus is None or skus:
            entries = plan.queue if skus is None else [e for k in skus for e in queues.get(k, ())]
            deps.store.replace_queue(deps.shop, entries, skus)
        deps.warm.saved_queue.saved(queues)
    if plan.events:
        if lost("saving the history"):
            return
        deps.store.append_events(plan.events)
    if deps.warm is not None:
        deps.warm.committed(plan, (r.key for r in report.failures))
    touched = _touched(plan, report)
    if not touched.is_empty:
        if lost("re-reading"):
            return
        report.refreshed = resync(deps.store, deps.adapter, deps.shop, touched)
        if deps.warm is not None:
            deps.warm.absorb(deps.store, (report.refreshed,))


def _status_holds(deps: CycleDeps, plan: Plan, report: CycleReport) -> list[WriteResult]:
    """Whole orders on hold by status (connector.order_status_holds); an order whose line hold
    failed to write now waits for the next cycle."""
    failed = {a.order_id for a in plan.order_actions for r in report.failures if r.key == a.key}
    return hold_by_status(
        deps.store,
        deps.engine,
        deps.adapter,
        deps.shop,
        queue=plan.queue,
        now=deps.clock(),
        skip=frozenset(failed),
        warm=deps.warm.status_orders() if deps.warm is not None else None,
    )


def _log_writes(deps: CycleDeps, report: CycleReport) -> None:
    for result in report.failures:
        level = logging.INFO if result.retryable else logging.WARNING
        log.log(level, "write %s %s: %s", result.key, result.status.value, result.message)
    for status, count in report.counts([*report.storefront_results, *report.order_results]).items():
        deps.metrics.inc("connector_writes_total", count, shop=deps.shop, status=status)
