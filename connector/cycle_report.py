"""What one cycle did (:class:`CycleReport`) and its row in ``cycle_runs`` (:func:`record_run`).

``connector status``, ``/healthz``, the metrics, the logs and the demo read these; split out of
:mod:`connector.cycle`, which re-exports them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.daemon_schema import cycle_runs, webhook_deliveries
from connector.logs import redact
from connector.metrics import Metrics
from connector.model import Plan, WriteResult, WriteStatus
from connector.resync_queue import prune_resyncs
from connector.sync import SyncResult

__all__ = [
    "DEDUPE_WINDOW",
    "RUN_HISTORY",
    "CycleReport",
    "error_text",
    "record_cycle",
    "record_run",
    "report_series",
]

log = logging.getLogger(__name__)


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
    requests: dict[str, int] = field(default_factory=dict)
    """API requests the cycle made, by purpose (see :data:`connector.metrics.PURPOSES`)."""
    held_before: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For each order the plan releases, the line ids our hold covered when the plan was made,
    so a release and re-hold can be told as one move ("X ships now; hold moved to Y")."""
    headline: dict[str, Any] = field(default_factory=dict)
    """The report's rates and open value when the daemon worked the report out after this cycle
    (at most every few minutes): kept in the run's row, they are the overview's daily charts."""

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
            "requests": self.requests,
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
            **({"report": self.headline} if self.headline else {}),
        }


def error_text(error: BaseException) -> str:
    """How an error is stored and shown: its type and message, credentials masked, bounded."""
    return redact(f"{type(error).__name__}: {error}")[:2000]


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


def record_cycle(
    engine: sa.Engine, metrics: Metrics, report: CycleReport, *, kind: str, holder: str
) -> None:
    """Count, record (:func:`record_run`) and log one run of a daemon's job; a run that cannot
    be recorded is logged, never raised: the work it did stands."""
    outcome = "ok" if report.ok else "failed"
    metrics.inc("connector_cycles_total", shop=report.shop, outcome=outcome)
    try:
        record_run(engine, report, kind=kind, holder=holder)
    except Exception:
        log.exception("could not record the run")
    planned = report.planned
    log.info(
        "%s %s: synced %d, plan %d storefront / %d order / %d emails, %d failed writes",
        kind,
        outcome,
        report.sync.changed + report.resynced.changed + report.reconciled.changed,
        planned["storefront"],
        planned["order_actions"],
        planned["notifications"],
        len(report.failures),
    )


def report_series(
    engine: sa.Engine, shop: str, since: datetime
) -> list[tuple[datetime, dict[str, Any]]]:
    """(run start, the report's headline numbers) of ``shop``'s runs since ``since`` that worked
    the report out (:attr:`CycleReport.headline`), oldest first."""
    query = (
        sa.select(cycle_runs.c.started_at, cycle_runs.c.summary)
        .where(
            cycle_runs.c.shop == shop,
            cycle_runs.c.started_at >= since,
            cycle_runs.c.summary.like('%"report": {%'),
        )
        .order_by(cycle_runs.c.started_at)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    found = []
    for started_at, summary in rows:
        headline = json.loads(summary or "{}").get("report")
        if isinstance(headline, dict):
            found.append((started_at, headline))
    return found
