"""The daemon's gauges, read from the database when ``/metrics`` is scraped.

The business numbers (backorder rate, fill rate, promises kept, average wait, what is owed) come
from :func:`connector.reports.shop_report`, the function behind ``connector report``, over the
same 90-day window; they are worked out at most once per :data:`REPORT_EVERY` per shop, because a
scrape every 15 seconds must not read 90 days of history each time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from connector.clock import Clock
from connector.db import Database
from connector.engine.metrics import BackorderReport
from connector.metrics import Sample
from connector.reports import shop_report
from connector.resync_queue import pending_count
from connector.settings import ShopSettings
from connector.web.webhooks import last_successes

__all__ = ["REPORT_EVERY", "ReportCache", "daemon_samples", "report_samples"]

REPORT_EVERY = timedelta(minutes=5)


class ReportCache:
    """Each shop's last report and when it was worked out; thread-safe (scrapes may overlap)."""

    def __init__(self, db: Database, clock: Clock, every: timedelta = REPORT_EVERY) -> None:
        self.db = db
        self.clock = clock
        self.every = every
        self._reports: dict[str, tuple[datetime, BackorderReport]] = {}
        self._lock = threading.Lock()

    def report(self, shop: str) -> BackorderReport:
        now = self.clock()
        with self._lock:
            known = self._reports.get(shop)
            if known is not None and timedelta(0) <= now - known[0] < self.every:
                return known[1]
        fresh = shop_report(self.db.engine, shop, now)
        with self._lock:
            self._reports[shop] = (now, fresh)
        return fresh


def report_samples(report: BackorderReport) -> list[Sample]:
    """The report's numbers as gauges; a rate with nothing to divide by is left out, not 0."""
    labels = (("shop", report.shop),)
    samples = [
        Sample(name, labels, value)
        for name, value in (
            ("connector_backorder_rate", report.backorder_rate),
            ("connector_fill_rate", report.fill_rate),
            ("connector_promises_kept_rate", report.on_time_rate),
            ("connector_backorder_average_wait_days", report.average_wait_days),
        )
        if value is not None
    ]
    samples.append(Sample("connector_backorder_lines_waiting", labels, report.waiting_lines))
    samples += [
        Sample(
            "connector_open_backorder_value",
            (("currency", currency), ("shop", report.shop)),
            float(value),
        )
        for currency, value in report.open_value.items()
    ]
    return samples


def daemon_samples(
    db: Database,
    outbox: Any,
    shops: Sequence[ShopSettings],
    reports: ReportCache | None = None,
) -> list[Sample]:
    """Per-shop gauges read at scrape time: last success, queue, pending resyncs, outbox, and
    the report's business numbers when ``reports`` is given."""
    samples: list[Sample] = []
    for name, moment in last_successes(db.engine).items():
        samples.append(
            Sample(
                "connector_last_success_timestamp_seconds",
                (("shop", name),),
                moment.timestamp(),
            )
        )
    pending = pending_count(db.engine)
    for shop in shops:
        labels = (("shop", shop.name),)
        queue = db.queue(shop.name)
        samples.append(Sample("connector_queue_waiting_lines", labels, len(queue)))
        samples.append(
            Sample("connector_queue_waiting_units", labels, sum(e.waiting for e in queue))
        )
        samples.append(Sample("connector_resyncs_pending", labels, pending.get(shop.name, 0)))
        status = outbox.status(shop.name)
        samples.append(Sample("connector_outbox_backlog", labels, status.pending + status.sending))
        samples.append(Sample("connector_outbox_failed", labels, status.failed))
        if reports is not None:
            samples += report_samples(reports.report(shop.name))
    return samples
