"""The daemon's webhook endpoint, built from its shops, adapters and schedule."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from connector.web.webhooks import WebhookApp

if TYPE_CHECKING:
    from connector.daemon import Daemon

__all__ = ["webhook_app"]


def webhook_app(daemon: Daemon, *, max_body: int | None = None) -> WebhookApp:
    """Deliveries for every enabled shop of ``daemon``, verified by its adapters; each one wakes
    the shop's cycle. A shop is unhealthy after ``[schedule] unhealthy_after_minutes`` without a
    success (default: three cycles and a minute)."""
    plan = daemon.settings.schedule
    grace = timedelta(minutes=plan.unhealthy_after_minutes or 3 * plan.sync_interval_minutes + 1)
    extra: dict[str, Any] = {} if max_body is None else {"max_body": max_body}
    return WebhookApp(
        engine=daemon.db.engine,
        shops=daemon.shops,
        adapters={shop.name: daemon.adapter(shop.name) for shop in daemon.shops},
        clock=daemon.clock,
        metrics=daemon.metrics,
        stale_after=grace,
        max_failures=plan.unhealthy_after_failures,
        wake=daemon.wake,
        record_skipped=daemon.db.record_skipped,
        **extra,
    )
