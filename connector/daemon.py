"""The daemon's runtime: what ``connector run``, ``connector resync`` and the demo drive.

:class:`Daemon` owns one adapter per shop, the outbox and the metrics, and offers the units of work
the scheduler runs: a shop's cycle (under its lease), the promise check, outbox delivery, webhook
repair and the owner's digest. :meth:`Daemon.schedule` registers them with the one
:class:`~connector.scheduler.Scheduler`; :meth:`Daemon.run_once` runs each shop's cycle once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.clock import Clock, system_clock
from connector.cycle import CycleDeps, CycleReport, Planner, record_run, run_cycle
from connector.db import Database
from connector.lease import LeaseKeeper, make_holder_id, release
from connector.logs import shop_context
from connector.metrics import Metrics, Sample
from connector.model import (
    BackorderEventKind,
    Notification,
    NotificationKind,
    NotificationLine,
)
from connector.platform import PlatformAdapter
from connector.resync_queue import pending_count
from connector.scheduler import Scheduler
from connector.settings import Settings, ShopSettings
from connector.sync import Progress
from connector.webhook_server import WebhookApp, last_successes

__all__ = ["Daemon", "build_digest"]

log = logging.getLogger(__name__)

AdapterFactory = Callable[[ShopSettings], PlatformAdapter]
OUTBOX_JOB_SHOP = "*"
"""Outbox delivery claims each message atomically, so one job serves every shop."""


def _default_planner() -> Planner:
    from connector.planning import plan_for_shop

    return plan_for_shop


def _default_adapter_factory(clock: Clock) -> AdapterFactory:
    def build(shop: ShopSettings) -> PlatformAdapter:
        from adapters import create_adapter

        return create_adapter(shop, clock=clock)

    return build


class Daemon:
    """The connector at work on every enabled shop of ``settings``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Clock = system_clock,
        lease_clock: Clock | None = None,
        holder: str | None = None,
        adapters: Mapping[str, PlatformAdapter] | None = None,
        adapter_factory: AdapterFactory | None = None,
        planner: Planner | None = None,
        outbox: Any = None,
        transport_factory: Callable[[], Any] | None = None,
        metrics: Metrics | None = None,
        callback_base: str | None = None,
        renew_every: float | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.lease_clock = lease_clock or clock
        self.holder = holder or make_holder_id()
        self.shops = [shop for shop in settings.shops if shop.enabled]
        self._adapters: dict[str, PlatformAdapter] = dict(adapters or {})
        self._adapter_factory = adapter_factory or _default_adapter_factory(clock)
        self._planner = planner
        if outbox is None:
            from connector.notify.outbox import Outbox

            outbox = Outbox(db.engine, clock, settings.email)
        self.outbox = outbox
        if transport_factory is None:
            from connector.notify.transports import make_transport

            def transport_factory() -> Any:
                return make_transport(settings.email)

        self._transport_factory = transport_factory
        self.metrics = metrics or Metrics()
        self.metrics.add_collector(self._collect)
        self.callback_base = callback_base.rstrip("/") if callback_base else None
        self.renew_every = renew_every
        self.scheduler: Scheduler | None = None

    # parts ------------------------------------------------------------------------------------

    def shop(self, name: str) -> ShopSettings:
        return self.settings.shop(name)

    def adapter(self, shop: str) -> PlatformAdapter:
        if shop not in self._adapters:
            self._adapters[shop] = self._adapter_factory(self.shop(shop))
        return self._adapters[shop]

    @property
    def planner(self) -> Planner:
        if self._planner is None:
            self._planner = _default_planner()
        return self._planner

    def deps(self, shop: str) -> CycleDeps:
        return CycleDeps(
            shop=shop,
            settings=self.settings,
            db=self.db,
            store=self.db,
            adapter=self.adapter(shop),
            outbox=self.outbox,
            planner=self.planner,
            clock=self.clock,
            engine=self.db.engine,
            metrics=self.metrics,
        )

    def lease(self, shop: str) -> LeaseKeeper:
        return LeaseKeeper(
            self.db.engine,
            shop,
            self.holder,
            ttl=timedelta(seconds=self.settings.schedule.lease_seconds),
            clock=self.lease_clock,
            renew_every=self.renew_every,
        )

    # units of work ----------------------------------------------------------------------------

    def work_shop(
        self,
        shop: str,
        *,
        kind: str = "cycle",
        sync: bool = True,
        should_stop: Callable[[], bool] | None = None,
        progress: Progress | None = None,
    ) -> CycleReport | None:
        """One cycle of ``shop`` under its lease; None when another daemon holds the shop.

        The run is recorded (``cycle_runs``) whether it succeeded or not; a failure is re-raised
        after recording so the scheduler logs and counts it.
        """
        stop = should_stop or self._stopping
        with shop_context(shop), self.lease(shop) as lease:
            if not lease.acquired:
                log.debug("%s is worked by another daemon", shop)
                self.metrics.inc("connector_cycles_total", shop=shop, outcome="skipped")
                return None
            report: CycleReport | None = None
            try:
                report = run_cycle(
                    self.deps(shop),
                    sync=sync,
                    should_stop=stop,
                    still_held=lease.still_held,
                    progress=progress,
                )
            except Exception as error:
                failed = CycleReport(shop=shop, started_at=self.clock(), finished_at=self.clock())
                failed.error = f"{type(error).__name__}: {error}"[:2000]
                self._record(failed, kind)
                raise
            self._record(report, kind)
            return report

    def _record(self, report: CycleReport, kind: str) -> None:
        outcome = "ok" if report.ok else "failed"
        self.metrics.inc("connector_cycles_total", shop=report.shop, outcome=outcome)
        try:
            record_run(self.db.engine, report, kind=kind, holder=self.holder)
        except Exception:
            log.exception("could not record the run")
        plan = report.plan
        log.info(
            "%s %s: synced %d, plan %d storefront / %d order / %d emails, %d failed writes",
            kind,
            outcome,
            report.sync.changed + report.resynced.changed,
            len(plan.storefront) if plan else 0,
            len(plan.order_actions) if plan else 0,
            len(plan.notifications) if plan else 0,
            len(report.failures),
        )

    def promise_check(self, shop: str) -> CycleReport | None:
        """Re-plan without syncing: dates that passed, reminders due."""
        return self.work_shop(shop, kind="promise", sync=False)

    def deliver_outbox(self) -> Any:
        report = self.outbox.deliver(self._transport_factory())
        if getattr(report, "sent", 0) or getattr(report, "failed", 0):
            log.info("outbox: sent %s, failed %s", report.sent, report.failed)
        return report

    def repair_webhooks(self, shop: str) -> list[str]:
        if self.callback_base is None:
            return []
        with shop_context(shop), self.lease(shop) as lease:
            if not lease.acquired:
                return []
            platform = self.shop(shop).platform.value
            repaired = self.adapter(shop).ensure_webhooks(
                f"{self.callback_base}/webhooks/{platform}"
            )
            if repaired:
                log.info("webhooks repaired: %s", ", ".join(repaired))
            return repaired

    def send_digest(self, shop: str) -> int:
        """Queue the owner's daily digest (once per day: the outbox key holds the date)."""
        now = self.clock()
        events = self.db.events(shop, since=now - timedelta(days=1))
        digest = build_digest(self.shop(shop), self.settings.email.owner_email, events, now)
        if digest is None:
            return 0
        return int(self.outbox.enqueue([digest], self.shop(shop)))

    def run_once(
        self, *, deliver: bool = True, progress: Callable[[str], Progress | None] | None = None
    ) -> dict[str, CycleReport | None]:
        """Each enabled shop's cycle once (a failing shop is logged and skipped), then the outbox."""
        reports: dict[str, CycleReport | None] = {}
        for shop in self.shops:
            try:
                reports[shop.name] = self.work_shop(
                    shop.name, progress=progress(shop.name) if progress else None
                )
            except Exception as error:
                with shop_context(shop.name):
                    log.exception("cycle failed: %s", error)
                failed = CycleReport(shop=shop.name, started_at=self.clock())
                failed.error = f"{type(error).__name__}: {error}"
                reports[shop.name] = failed
        if deliver:
            try:
                self.deliver_outbox()
            except Exception:
                log.exception("outbox delivery failed")
        return reports

    # scheduling -------------------------------------------------------------------------------

    def schedule(self, scheduler: Scheduler) -> None:
        """Register every periodic job, staggering shops so they do not all start at once."""
        self.scheduler = scheduler
        plan = self.settings.schedule
        start = datetime.now(UTC)
        for index, shop in enumerate(self.shops):
            name = shop.name
            first = start + timedelta(seconds=2 * index)
            scheduler.add_interval(
                name,
                "cycle",
                _bind(self.work_shop, name),
                seconds=plan.sync_interval_minutes * 60,
                first_run=first,
            )
            scheduler.add_interval(
                name,
                "promise",
                _bind(self.promise_check, name),
                seconds=plan.promise_check_minutes * 60,
            )
            if self.callback_base:
                scheduler.add_interval(
                    name,
                    "webhooks",
                    _bind(self.repair_webhooks, name),
                    seconds=plan.webhook_repair_hours * 3600,
                    first_run=first + timedelta(seconds=1),
                )
            scheduler.add_daily(
                name,
                "digest",
                _bind(self.send_digest, name),
                hour=plan.digest_hour,
                timezone=_zone(shop.timezone),  # the owner reads it over their own breakfast
            )
        scheduler.add_interval(
            OUTBOX_JOB_SHOP,
            "outbox",
            self.deliver_outbox,
            seconds=plan.outbox_interval_seconds,
            first_run=start + timedelta(seconds=5),
        )

    def wake(self, shop: str) -> None:
        """A webhook queued a resync: run the shop's cycle now rather than at its next tick."""
        if self.scheduler is not None:
            self.scheduler.wake(shop, "cycle")

    def _stopping(self) -> bool:
        return self.scheduler is not None and self.scheduler.stopping.is_set()

    def webhook_app(self, *, max_body: int | None = None) -> WebhookApp:
        grace = timedelta(minutes=3 * self.settings.schedule.sync_interval_minutes + 1)
        extra: dict[str, Any] = {} if max_body is None else {"max_body": max_body}
        return WebhookApp(
            engine=self.db.engine,
            shops=self.shops,
            adapters={shop.name: self.adapter(shop.name) for shop in self.shops},
            clock=self.clock,
            metrics=self.metrics,
            stale_after=grace,
            wake=self.wake,
            record_skipped=self.db.record_skipped,
            **extra,
        )

    def close(self) -> None:
        """Hand our shops over at once (no waiting for expiry) and release connections."""
        for shop in self.shops:
            try:
                release(self.db.engine, shop.name, self.holder, self.lease_clock())
            except Exception:
                log.exception("could not release the lease on %s", shop.name)
        for adapter in self._adapters.values():
            try:
                adapter.close()
            except Exception:
                log.exception("could not close an adapter")

    # metrics ----------------------------------------------------------------------------------

    def _collect(self) -> Iterable[Sample]:
        samples: list[Sample] = []
        for name, moment in last_successes(self.db.engine).items():
            samples.append(
                Sample(
                    "connector_last_success_timestamp_seconds",
                    (("shop", name),),
                    moment.timestamp(),
                )
            )
        pending = pending_count(self.db.engine)
        for shop in self.shops:
            labels = (("shop", shop.name),)
            queue = self.db.queue(shop.name)
            samples.append(Sample("connector_queue_waiting_lines", labels, len(queue)))
            samples.append(
                Sample("connector_queue_waiting_units", labels, sum(e.waiting for e in queue))
            )
            samples.append(Sample("connector_resyncs_pending", labels, pending.get(shop.name, 0)))
            status = self.outbox.status(shop.name)
            samples.append(
                Sample("connector_outbox_backlog", labels, status.pending + status.sending)
            )
            samples.append(Sample("connector_outbox_failed", labels, status.failed))
        return samples


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; the digest goes out on UTC time", name)
        return UTC


def _bind(func: Callable[..., object], shop: str) -> Callable[[], object]:
    def job() -> object:
        return func(shop)

    job.__name__ = f"{getattr(func, '__name__', 'job')}[{shop}]"
    return job


def build_digest(
    shop: ShopSettings, owner_email: str, events: Iterable[Any], now: datetime
) -> Notification | None:
    """The owner's digest from the last day's history: new backorders, delays, stopped selling.

    Lines follow the digest template's convention: ``old_eta`` set is a delay, quantity 0 is an
    item that stopped selling, anything else a new backorder. None when nothing happened.
    """
    lines: list[NotificationLine] = []
    for number, event in enumerate(events):
        if event.kind is BackorderEventKind.DETECTED:
            lines.append(
                NotificationLine(
                    f"n{number}", event.sku, event.sku, max(1, event.quantity), eta=event.eta
                )
            )
        elif event.kind is BackorderEventKind.DELAYED and event.old_eta is not None:
            lines.append(
                NotificationLine(
                    f"d{number}",
                    event.sku,
                    event.sku,
                    max(1, event.quantity),
                    eta=event.eta,
                    old_eta=event.old_eta,
                )
            )
        elif event.kind is BackorderEventKind.SOLD_OUT:
            lines.append(NotificationLine(f"s{number}", event.sku, event.sku, 0))
    if not lines:
        return None
    today: date = now.date()
    return Notification(
        shop=shop.name,
        kind=NotificationKind.DIGEST,
        order_id="",
        order_number="",
        email=owner_email,
        name=shop.branding.name or shop.name,
        locale=shop.locale,
        lines=tuple(lines),
        created_at=now,
        promised_date=today,
    )
