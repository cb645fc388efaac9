"""The daemon's gauges, read from the database when ``/metrics`` is scraped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.db import Database
from connector.metrics import Sample
from connector.resync_queue import pending_count
from connector.settings import ShopSettings
from connector.web.webhooks import last_successes

__all__ = ["daemon_samples"]


def daemon_samples(db: Database, outbox: Any, shops: Sequence[ShopSettings]) -> list[Sample]:
    """Per-shop gauges read at scrape time: last success, queue, pending resyncs, outbox."""
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
    return samples
