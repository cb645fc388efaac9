"""Prometheus text metrics for ``GET /metrics``: cycles, errors, API calls and cost, queues, outbox.

:class:`Metrics` keeps counters and gauges in memory (per process, as Prometheus expects: each
daemon is scraped on its own). Values that live in the database (queue sizes, outbox backlog, last
success) are read at scrape time by collectors registered with :meth:`Metrics.add_collector`, so
every daemon reports the same, current figures for them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from connector.platform import ApiUsage

__all__ = ["METRICS", "PURPOSES", "Metrics", "Sample", "UsageSplit"]

log = logging.getLogger(__name__)

METRICS: dict[str, tuple[str, str]] = {
    "connector_cycles_total": ("counter", "Cycles run, by shop and outcome (ok, failed, skipped)."),
    "connector_errors_total": ("counter", "Failed job runs, by shop and job."),
    "connector_api_requests_total": (
        "counter",
        "Platform API requests made by this process, by shop and purpose "
        "(sync, resync, check, write, webhooks); each retry is one more.",
    ),
    "connector_api_retries_total": ("counter", "Platform API requests retried."),
    "connector_api_throttled_total": ("counter", "Platform answers that asked us to slow down."),
    "connector_api_errors_total": ("counter", "Platform API calls that failed for good."),
    "connector_api_cost_total": ("counter", "Shopify query cost points spent."),
    "connector_writes_total": ("counter", "Storefront and order writes, by shop and status."),
    "connector_webhooks_total": ("counter", "Webhook deliveries, by platform and outcome."),
    "connector_engine_builds_total": (
        "counter",
        "Warm engines built from the database, by shop and reason (first plan, rebuilt).",
    ),
    "connector_engine_checks_total": (
        "counter",
        "Warm plans compared with a cold one, by shop and outcome (same, different: a bug).",
    ),
    "connector_queue_waiting_lines": ("gauge", "Order lines waiting in the backorder queues."),
    "connector_queue_waiting_units": ("gauge", "Units waiting in the backorder queues."),
    "connector_outbox_backlog": ("gauge", "Emails waiting to be delivered."),
    "connector_outbox_failed": ("gauge", "Emails that failed for good."),
    "connector_resyncs_pending": ("gauge", "Targeted resyncs waiting for the daemon."),
    "connector_last_success_timestamp_seconds": ("gauge", "When the shop's last cycle succeeded."),
    # The numbers of `connector report`, over its default 90 days (connector/reports.py).
    "connector_backorder_rate": ("gauge", "Order lines that had to wait / lines ordered, 90 days."),
    "connector_fill_rate": ("gauge", "Units shipped from stock at once / units ordered, 90 days."),
    "connector_promises_kept_rate": (
        "gauge",
        "Lines served on or before the first date promised / lines served, 90 days.",
    ),
    "connector_backorder_average_wait_days": (
        "gauge",
        "Average days from order to allocation of lines served, 90 days.",
    ),
    "connector_backorder_lines_waiting": ("gauge", "Order lines waiting now (as in the report)."),
    "connector_open_backorder_value": (
        "gauge",
        "What waiting customers paid for and have not got, by currency.",
    ),
}
"""Every metric name the connector exports, with its type and help text."""


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


Collector = Callable[[], Iterable[Sample]]

_USAGE_FIELDS = ("requests", "retries", "throttled", "errors", "cost")

PURPOSES = ("sync", "resync", "check", "write", "webhooks")
"""Why the connector asked the platform: the cycle's pull (``sync``), targeted re-reads and webhook
re-reads (``resync``), the hourly promise check's re-read and ``connector check`` (``check``),
storefront and order writes with the reads they need first (``write``), and webhook
registration (``webhooks``)."""


class UsageSplit:
    """Splits an adapter's running totals (:class:`ApiUsage`) into what each step of a cycle
    cost, so every request is counted once under the purpose of the step that made it."""

    def __init__(self, usage: ApiUsage) -> None:
        self.usage = usage
        self._last = replace(usage)  # a copy: the adapter keeps counting on its own
        self.spent: dict[str, ApiUsage] = {}

    def mark(self, purpose: str) -> int:
        """Book what was spent since the last mark under ``purpose``; returns its requests."""
        now = replace(self.usage)
        spent = self.spent.setdefault(purpose, ApiUsage())
        for name in _USAGE_FIELDS:
            delta = getattr(now, name) - getattr(self._last, name)
            setattr(spent, name, getattr(spent, name) + delta)
        made = now.requests - self._last.requests
        self._last = now
        return made

    def requests(self) -> dict[str, int]:
        """Requests per purpose, for a cycle's summary (purposes that made none left out)."""
        return {name: used.requests for name, used in self.spent.items() if used.requests}


def _labels(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((key, str(value)) for key, value in labels.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Metrics:
    """Thread-safe counters and gauges plus scrape-time collectors."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._collectors: list[Collector] = []
        self._lock = threading.Lock()

    def inc(self, name: str, value: float = 1.0, **labels: str) -> None:
        key = (name, _labels(labels))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + value

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._values[(name, _labels(labels))] = value

    def get(self, name: str, **labels: str) -> float:
        """The value of ``name`` summed over every series whose labels include ``labels``:
        ``get("connector_api_requests_total", shop="a")`` is the shop's requests for all purposes."""
        wanted = set(_labels(labels))
        with self._lock:
            return sum(
                (
                    value
                    for (key, series), value in self._values.items()
                    if key == name and wanted <= set(series)
                ),
                0.0,
            )

    def add_usage(
        self, shop: str, before: ApiUsage, after: ApiUsage, purpose: str | None = None
    ) -> None:
        """Count what an adapter spent between two snapshots of its running totals, under
        ``purpose`` (one of :data:`PURPOSES`) when given."""
        labels = {"shop": shop} if purpose is None else {"shop": shop, "purpose": purpose}
        for field, name in (
            ("requests", "connector_api_requests_total"),
            ("retries", "connector_api_retries_total"),
            ("throttled", "connector_api_throttled_total"),
            ("errors", "connector_api_errors_total"),
            ("cost", "connector_api_cost_total"),
        ):
            delta = float(getattr(after, field)) - float(getattr(before, field))
            if delta > 0:
                self.inc(name, delta, **labels)

    def add_split(self, shop: str, split: UsageSplit) -> None:
        """Count each purpose's share of a :class:`UsageSplit`."""
        for purpose, spent in split.spent.items():
            self.add_usage(shop, ApiUsage(), spent, purpose)

    @contextlib.contextmanager
    def counting(self, shop: str, usage: ApiUsage, purpose: str) -> Iterator[None]:
        """Count the requests made inside the block under ``purpose``, even when it raises."""
        before = replace(usage)
        try:
            yield
        finally:
            self.add_usage(shop, before, usage, purpose)

    def add_collector(self, collector: Collector) -> None:
        self._collectors.append(collector)

    def samples(self) -> list[Sample]:
        with self._lock:
            found = [Sample(name, labels, value) for (name, labels), value in self._values.items()]
        for collector in self._collectors:
            try:
                found.extend(collector())
            except Exception:  # a scrape must answer even when the database is away
                log.exception("metrics collector failed")
        return found

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        by_name: dict[str, list[Sample]] = {}
        for sample in self.samples():
            by_name.setdefault(sample.name, []).append(sample)
        lines: list[str] = []
        for name in sorted(by_name):
            kind, help_text = METRICS.get(name, ("untyped", ""))
            if help_text:
                lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for sample in sorted(by_name[name], key=lambda s: s.labels):
                labels = ",".join(f'{k}="{_escape(v)}"' for k, v in sample.labels)
                label_text = f"{{{labels}}}" if labels else ""
                lines.append(f"{name}{label_text} {_number(sample.value)}")
        return "\n".join(lines) + "\n"
