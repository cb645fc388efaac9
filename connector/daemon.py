"""The daemon's runtime: what ``connector run``, ``connector resync`` and the demo drive.

:class:`Daemon` owns one adapter per shop, the outbox and the metrics, and offers the units of work
the scheduler runs: a shop's cycle (under its lease), the promise check, outbox delivery, webhook
repair and the owner's digest. :meth:`Daemon.schedule` registers them with the one
:class:`~connector.scheduler.Scheduler`; :meth:`Daemon.run_once` runs each shop's cycle once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from connector.balance_view import digest_with_balances
from connector.clock import Clock, system_clock
from connector.cycle import CycleDeps, CycleReport, Planner, run_cycle
from connector.cycle_report import record_cycle
from connector.daemon_digest import build_digest, day_choices, unheld_orders
from connector.daemon_jobs import OUTBOX_JOB_SHOP, WakeUps, schedule_jobs
from connector.daemon_leases import ShopGuard
from connector.daemon_metrics import ReportCache, daemon_samples
from connector.daemon_views import after_cycle
from connector.daemon_web import webhook_app
from connector.db import Database
from connector.errors import ConnectorError
from connector.lease import LeaseKeeper, database_clock, make_holder_id, release
from connector.logs import shop_context
from connector.metrics import Metrics, Sample
from connector.payments_view import digest_with_money
from connector.platform import PlatformAdapter
from connector.reports import shop_reorder
from connector.scheduler import Scheduler
from connector.settings import Settings, ShopSettings, ranks_by_customer
from connector.shop_views import ShopViews
from connector.sync import Progress
from connector.warm_engine import ShopEngine
from connector.web.webhooks import WebhookApp

__all__ = ["OUTBOX_JOB_SHOP", "Daemon", "build_digest"]

log = logging.getLogger(__name__)

AdapterFactory = Callable[[ShopSettings], PlatformAdapter]


def _default_adapter_factory(clock: Clock, settings: Settings) -> AdapterFactory:
    def build(shop: ShopSettings) -> PlatformAdapter:
        from adapters import create_adapter

        return create_adapter(
            shop, clock=clock, vip_customers=ranks_by_customer(settings, shop.name)
        )

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
        if lease_clock is None:
            # In production every daemon compares lease expiry with the database's clock, so two
            # hosts whose clocks disagree still agree on who holds a shop; a test's clock wins.
            lease_clock = database_clock(db.engine) if clock is system_clock else clock
        self.lease_clock = lease_clock
        self.holder = holder or make_holder_id()
        self.shops = [shop for shop in settings.shops if shop.enabled]
        self._adapters: dict[str, PlatformAdapter] = dict(adapters or {})
        self._adapter_factory = adapter_factory or _default_adapter_factory(clock, settings)
        self._planner = planner
        # A planner handed in (tests, tools) plans cold every cycle; else each shop keeps a warm
        # engine between cycles (connector/warm_engine.py).
        self._warm: dict[str, ShopEngine] | None = None if planner is not None else {}
        # Only a console shows them; without one, working out its report after cycles read
        # every order of 90 days for nobody (a minute on the benchmark shop, and its memory).
        wanted = planner is None and settings.console.enabled
        self.views: ShopViews | None = ShopViews() if wanted else None
        """What the warm cycles last worked out, for the console (None: cold plans, or no
        console)."""
        self._wakes = WakeUps()
        if outbox is None:
            from connector.notify.outbox import Outbox
            from connector.notify.render import Renderer

            links = None
            if settings.web.enabled:
                from connector.web.links import OrderLinks

                links = OrderLinks(settings.web, clock).url
            outbox = Outbox(
                db.engine, clock, settings.email, Renderer(settings.email, order_link=links)
            )
        self.outbox = outbox
        if transport_factory is None:
            from connector.notify.transports import make_transport

            def transport_factory() -> Any:
                return make_transport(settings.email)

        self._transport_factory = transport_factory
        self.metrics = metrics or Metrics()
        self._reports = ReportCache(db, self.clock)
        self.metrics.add_collector(self._collect)
        self.callback_base = callback_base.rstrip("/") if callback_base else None
        self.renew_every = renew_every
        self.scheduler: Scheduler | None = None
        self.guard = ShopGuard(
            db.engine,
            self.holder,
            lease_seconds=settings.schedule.lease_seconds,
            clock=lease_clock,
            renew_every=renew_every,
        )

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
            from connector.planning import plan_for_shop

            self._planner = plan_for_shop
        return self._planner

    def warm_engine(self, shop: str) -> ShopEngine | None:
        """The shop's warm engine (None when this daemon was given its own planner)."""
        if self._warm is None:
            return None
        if shop not in self._warm:
            self._warm[shop] = ShopEngine(self.settings, shop, metrics=self.metrics)
        return self._warm[shop]

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
            warm=self.warm_engine(shop),
        )

    def lease(self, shop: str) -> LeaseKeeper:
        return self.guard.lease(shop)

    # units of work ----------------------------------------------------------------------------

    def holding(self, shop: str) -> contextlib.AbstractContextManager[LeaseKeeper | None]:
        """Work ``shop`` alone (:meth:`ShopGuard.holding`); None when another job or daemon has it."""
        return self.guard.holding(shop)

    def work_shop(
        self,
        shop: str,
        *,
        kind: str = "cycle",
        sync: bool = True,
        reconcile: bool = False,
        should_stop: Callable[[], bool] | None = None,
        progress: Progress | None = None,
        raise_errors: bool = True,
    ) -> CycleReport | None:
        """One cycle of ``shop`` under its lease; None when another job or daemon holds the shop.

        The run is recorded (``cycle_runs``) whether it succeeded or not, with what it wrote before
        failing; a failure is re-raised after recording (so the scheduler logs and counts it)
        unless ``raise_errors`` is False, when the failed report is returned instead.
        """
        stop = should_stop or self._stopping
        with shop_context(shop), self.holding(shop) as lease:
            if lease is None:
                self.metrics.inc("connector_cycles_total", shop=shop, outcome="skipped")
                return None
            report = CycleReport(shop=shop, started_at=self.clock())
            deps = self.deps(shop)
            if deps.warm is not None:
                deps.warm.follow_lease(lease.generation)
            try:
                if self.settings.web.enabled:
                    # Customers' choices first, so this cycle's sync reads the refunds back.
                    from connector.web.customer_consent import run_customer_work

                    run_customer_work(
                        self.db,
                        self.db.engine,
                        self.clock,
                        shop=self.shop(shop),
                        web=self.settings.web,
                        adapter=self.adapter(shop),
                        outbox=self.outbox,
                    )
                run_cycle(
                    deps,
                    sync=sync,
                    reconcile=reconcile,
                    should_stop=stop,
                    still_held=lease.still_held,
                    progress=progress,
                    report=report,
                )
            except ConnectorError as error:
                self._record(report, kind)
                if raise_errors:
                    raise
                # An expected failure (a refused key, a shop that does not answer): one line for
                # the owner; the traceback only with --debug.
                log.error("%s failed: %s", kind, error, exc_info=log.isEnabledFor(logging.DEBUG))
                return report
            except Exception:
                self._record(report, kind)
                if raise_errors:
                    raise
                log.exception("%s failed", kind)
                return report
            if self.views is not None:
                after_cycle(
                    self.views,
                    db=self.db,
                    settings=self.settings,
                    reports=self._reports,
                    warm=deps.warm,
                    cycle=report,
                    clock=self.clock,
                )
            self._record(report, kind)
            return report

    def _record(self, report: CycleReport, kind: str) -> None:
        record_cycle(self.db.engine, self.metrics, report, kind=kind, holder=self.holder)

    def promise_check(self, shop: str) -> CycleReport | None:
        """Re-plan without a full sync: dates that passed, reminders due.

        First re-reads every order still waiting (bounded batches, no cursor move): the periodic
        reconciliation that catches what polling cannot see (WooCommerce notes and meta-only
        updates never move ``date_modified``) and what a lost webhook never told.
        """
        return self.work_shop(shop, kind="promise", sync=False, reconcile=True)

    def deliver_outbox(self) -> Any:
        report = self.outbox.deliver(self._transport_factory())
        if getattr(report, "sent", 0) or getattr(report, "failed", 0):
            log.info("outbox: sent %s, failed %s", report.sent, report.failed)
        return report

    def repair_webhooks(self, shop: str) -> list[str]:
        if self.callback_base is None:
            return []
        with shop_context(shop), self.holding(shop) as lease:
            if lease is None:
                return []
            platform = self.shop(shop).platform.value
            adapter = self.adapter(shop)
            with self.metrics.counting(shop, adapter.usage, "webhooks"):
                repaired = adapter.ensure_webhooks(f"{self.callback_base}/webhooks/{platform}")
            if repaired:
                log.info("webhooks repaired: %s", ", ".join(repaired))
            return repaired

    def send_digest(self, shop: str) -> int:
        """Queue the owner's daily digest under the shop's lease; 0 when off, idle or not ours.

        The outbox keys digests on the shop's local date, so a rerun, or another daemon that got
        the shop later in the day, never mails the owner twice.
        """
        owner = self.settings.email.owner_email
        if not owner.strip():
            return 0
        with shop_context(shop), self.holding(shop) as lease:
            if lease is None:
                return 0
            now = self.clock()
            events = self.db.events(shop, since=now - timedelta(days=1))
            unheld = unheld_orders(self.db.engine, shop)
            reorder = shop_reorder(self.db, self.db.engine, self.settings, shop, now)
            choices = day_choices(self.shop(shop), self.db.engine, now)
            digest = build_digest(
                self.shop(shop), owner, events, now, unheld=unheld, reorder=reorder, choices=choices
            )
            digest = digest_with_money(digest, self.db.engine, self.shop(shop), owner, now)
            digest = digest_with_balances(digest, self.db, self.shop(shop), owner, now)
            if digest is None or not lease.still_held():
                return 0
            return int(self.outbox.enqueue([digest], self.shop(shop)))

    def run_once(
        self, *, deliver: bool = True, progress: Callable[[str], Progress | None] | None = None
    ) -> dict[str, CycleReport | None]:
        """Each enabled shop's cycle once (a failing shop is logged and skipped), then the outbox."""
        reports: dict[str, CycleReport | None] = {}
        for shop in self.shops:
            reports[shop.name] = self.work_shop(
                shop.name, progress=progress(shop.name) if progress else None, raise_errors=False
            )
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
        schedule_jobs(self, scheduler)

    def cycle_job(self, shop: str) -> CycleReport | None:
        """The scheduled cycle: run it, and again at once for every wake-up that came meanwhile.

        A webhook delivery that arrives while the cycle runs asks for a run the scheduler would
        refuse (one instance per job); it is remembered here and handled right after, not at the
        next tick minutes later.
        """
        return self._wakes.run(shop, lambda: self.work_shop(shop), self._stopping)

    def wake(self, shop: str) -> None:
        """A webhook queued a resync: run the shop's cycle now rather than at its next tick."""
        if self._wakes.wake(shop):
            return  # a cycle is running: it runs again as soon as it ends
        if self.scheduler is not None:
            self.scheduler.wake(shop, "cycle")

    def _stopping(self) -> bool:
        return self.scheduler is not None and self.scheduler.stopping.is_set()

    def webhook_app(self, *, max_body: int | None = None) -> WebhookApp:
        """The webhook endpoint for every enabled shop (:func:`connector.daemon_web.webhook_app`)."""
        return webhook_app(self, max_body=max_body)

    def web_app(self, *, max_body: int | None = None) -> Any:
        """The daemon's one WSGI app: the webhook endpoint, with the customer page at ``/orders``
        and the console at ``/console`` when configured (:func:`connector.web.app.compose`)."""
        from connector.web.app import compose

        return compose(self, self.webhook_app(max_body=max_body))

    def close(self) -> None:
        """Hand our shops over at once (no waiting for expiry) and release connections."""
        if self.views is not None:
            self.views.close()  # a report being worked out off the cycle finishes first
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
        return daemon_samples(self.db, self.outbox, self.shops, self._reports)
