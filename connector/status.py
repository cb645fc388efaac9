"""What support staff look at: each shop's health (``connector status``) and one order's story
(``connector order N``), read from the state database, the outbox and the daemon's tables.

Plain data out (dataclasses with ``as_dict`` for ``--json``); the CLI draws the tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import sqlalchemy as sa

from connector.balance_view import balance_lines
from connector.daemon_schema import cycle_runs, leases
from connector.db import schema as core
from connector.db.store import StateStore
from connector.logs import redact
from connector.model import BackorderEntry, BackorderEvent, BackorderEventKind, Order, utc
from connector.payments_view import money_lines
from connector.resync_queue import exhausted_resyncs, pending_count
from connector.web.webhooks import last_successes

__all__ = [
    "OrderStory",
    "ShopStatus",
    "minute_utc",
    "order_story",
    "shop_status",
    "status_fields",
]


class _OutboxReader(Protocol):
    def status(self, shop: str) -> Any: ...

    def sent_for_order(self, shop: str, order_id: str) -> Sequence[Any]: ...


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def minute_utc(value: datetime | None, missing: str = "-") -> str:
    """A time as support staff read it: to the minute, in UTC, and saying so."""
    if value is None:
        return missing
    return utc(value).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class ShopStatus:
    shop: str
    platform: str
    last_success: datetime | None = None
    last_run: datetime | None = None
    last_run_ok: bool | None = None
    cursor_ages: dict[str, float] = field(default_factory=dict)
    """Seconds since each resource's cursor last moved."""
    queue_lines: int = 0
    queue_units: int = 0
    queue_skus: int = 0
    outbox_pending: int = 0
    outbox_failed: int = 0
    outbox_sent: int = 0
    resyncs_pending: int = 0
    resyncs_failed: int = 0
    """Requests the daemon gave up on after too many failed tries; run the resync again."""
    lease_holder: str | None = None
    lease_expires: datetime | None = None
    last_errors: list[str] = field(default_factory=list)
    last_write_failures: list[str] = field(default_factory=list)
    last_reconcile: dict[str, Any] | None = None
    """The latest promise check's re-read of the waiting orders: ``at``, ``orders``, ``fetches``,
    ``requests`` (API requests it cost) and ``error`` ("" when it worked); None before the first."""
    money_at_risk: list[str] = field(default_factory=list)
    """Card authorizations that run out before their goods ship (``connector.payments_view``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "shop": self.shop,
            "platform": self.platform,
            "last_success": _iso(self.last_success),
            "last_run": _iso(self.last_run),
            "last_run_ok": self.last_run_ok,
            "cursor_age_seconds": self.cursor_ages,
            "queue": {
                "lines": self.queue_lines,
                "units": self.queue_units,
                "skus": self.queue_skus,
            },
            "outbox": {
                "pending": self.outbox_pending,
                "failed": self.outbox_failed,
                "sent": self.outbox_sent,
            },
            "resyncs_pending": self.resyncs_pending,
            "resyncs_failed": self.resyncs_failed,
            "lease": {"holder": self.lease_holder, "expires": _iso(self.lease_expires)},
            "last_errors": [redact(e) for e in self.last_errors],
            "last_write_failures": [redact(f) for f in self.last_write_failures],
            "last_reconcile": self.last_reconcile,
            "money_at_risk": self.money_at_risk,
        }


def shop_status(
    engine: sa.Engine,
    store: StateStore,
    outbox: _OutboxReader | None,
    *,
    shop: str,
    platform: str,
    now: datetime,
    lease_now: datetime | None = None,
    queue_totals: tuple[int, int, int] | None = None,
) -> ShopStatus:
    """One shop's row of ``connector status`` at ``now``.

    ``queue_totals`` (lines, units, SKUs) when the caller already knows them (the console, from
    the queue the daemon's last cycle saved): counting 200,000 lines' SKUs is PostgreSQL's
    slowest read here (count distinct sorts them: 100-300 ms).

    ``lease_now`` is the time on the lease clock (the database's, see
    :func:`connector.lease.database_clock`), which a lease's expiry is compared with whatever
    ``now`` says: under ``--now`` a live daemon's lease must not read as free.
    """
    status = ShopStatus(shop=shop, platform=platform)
    with engine.connect() as conn:
        runs = conn.execute(
            sa.select(cycle_runs)
            .where(cycle_runs.c.shop == shop, cycle_runs.c.kind == "cycle")
            .order_by(cycle_runs.c.id.desc())
            .limit(20)
        ).all()
        cursors = conn.execute(
            sa.select(core.sync_cursors.c.resource, core.sync_cursors.c.updated_at).where(
                core.sync_cursors.c.shop == shop
            )
        ).all()
        lease = conn.execute(sa.select(leases).where(leases.c.shop == shop)).one_or_none()
        promise = conn.execute(
            sa.select(cycle_runs.c.started_at, cycle_runs.c.summary)
            .where(cycle_runs.c.shop == shop, cycle_runs.c.kind == "promise")
            .order_by(cycle_runs.c.id.desc())
            .limit(1)
        ).one_or_none()
    if promise is not None:
        status.last_reconcile = _reconcile_summary(promise.started_at, promise.summary)
        if status.last_reconcile and status.last_reconcile["error"]:
            status.last_errors.append(
                f"{minute_utc(utc(promise.started_at))} re-reading the waiting orders failed: "
                + status.last_reconcile["error"]
            )
    if runs:
        status.last_run = utc(runs[0].finished_at or runs[0].started_at)
        status.last_run_ok = bool(runs[0].ok)
        try:
            failures = json.loads(runs[0].summary or "{}").get("failures", [])
        except ValueError:
            failures = []
        status.last_write_failures = [
            f"{item['key']}: {item['status']} {item['message']}" for item in failures[:5]
        ]
    for run in runs:
        if run.ok and status.last_success is None:
            status.last_success = utc(run.finished_at)
        if not run.ok and run.error and len(status.last_errors) < 5:
            status.last_errors.append(f"{minute_utc(utc(run.started_at))} {run.error}")
    if status.last_success is None:
        status.last_success = last_successes(engine, shop).get(shop)
    status.cursor_ages = {
        str(resource): round((now - utc(moved)).total_seconds(), 1) for resource, moved in cursors
    }
    # Counted by the database: loading 200,000 waiting lines to count them took most of a second.
    totals = queue_totals if queue_totals is not None else store.queue_totals(shop)
    status.queue_lines, status.queue_units, status.queue_skus = totals
    if outbox is not None:
        box = outbox.status(shop)
        status.outbox_pending = int(box.pending) + int(getattr(box, "sending", 0))
        status.outbox_failed = int(box.failed)
        status.outbox_sent = int(box.sent)
        status.last_errors.extend(
            f"email {e.kind} #{e.order_number}: {e.error}" for e in box.last_errors
        )
    status.resyncs_pending = pending_count(engine).get(shop, 0)
    gave_up = exhausted_resyncs(engine, shop)
    status.resyncs_failed = len(gave_up)
    status.last_errors.extend(
        f"resync request {number} ({source}) gave up after repeated failures: {error}"
        for number, source, error in gave_up
    )
    status.money_at_risk = money_lines(engine, shop) + balance_lines(engine, shop)
    status.last_errors = [redact(e) for e in status.last_errors]
    status.last_write_failures = [redact(f) for f in status.last_write_failures]
    if lease is not None and utc(lease.expires_at) > (lease_now or now):
        status.lease_holder = lease.holder
        status.lease_expires = utc(lease.expires_at)
    return status


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def status_fields(row: ShopStatus) -> list[tuple[str, str]]:
    """The status of one shop as support reads it, label and text (``connector status``, the
    console's overview)."""
    ages = ", ".join(f"{k} {_age(v)}" for k, v in sorted(row.cursor_ages.items())) or "never"
    last = minute_utc(row.last_success, "never")
    if row.last_run_ok is False:
        last += " (last run failed)"
    resyncs = f"{row.resyncs_pending} waiting" + (
        f", {row.resyncs_failed} gave up" if row.resyncs_failed else ""
    )
    return [
        ("last sync", last),
        ("cursor ages", ages),
        ("queue", f"{row.queue_lines} lines / {row.queue_units} units / {row.queue_skus} SKUs"),
        ("outbox", f"{row.outbox_pending} waiting, {row.outbox_failed} failed"),
        ("resyncs", resyncs),
        ("lease", row.lease_holder or "free"),
    ]


def _reconcile_summary(started_at: datetime, summary: str | None) -> dict[str, Any] | None:
    try:
        data = json.loads(summary or "{}")
    except ValueError:
        return None
    reconciled = data.get("reconciled") if isinstance(data, dict) else None
    if not isinstance(reconciled, dict):
        return None  # a run recorded before reconciliation existed
    return {
        "at": _iso(utc(started_at)),
        "orders": int(reconciled.get("orders", 0)),
        "fetches": int(reconciled.get("pages", 0)),
        "requests": int(reconciled.get("requests", 0)),
        "error": redact(str(data.get("reconcile_error") or "")),
    }


@dataclass
class OrderStory:
    """One order's whole story: lines, queue positions, promises, emails, holds."""

    shop: str
    order: Order
    queue: list[BackorderEntry]
    events: list[BackorderEvent]
    emails: list[Any]

    @property
    def holds(self) -> list[str]:
        return [line.platform_id for line in self.order.lines if line.on_hold]

    def line_name(self, line_id: str) -> str:
        """``SKU (title)`` of one of the order's lines, for people who never see line ids."""
        for line in self.order.lines:
            if line.platform_id == line_id:
                sku = line.sku or "no SKU"
                return f"{sku} ({line.title})" if line.title else sku
        return line_id

    @property
    def promises(self) -> list[BackorderEvent]:
        kinds = {BackorderEventKind.ETA_SET, BackorderEventKind.DELAYED}
        return [event for event in self.events if event.kind in kinds]

    def as_dict(self) -> dict[str, Any]:
        order = self.order
        return {
            "shop": self.shop,
            "order": {
                "id": order.platform_id,
                "number": order.number,
                "status": order.status.value,
                "created_at": _iso(order.created_at),
                "customer": {"email": order.customer.email, "name": order.customer.name},
                "locale": order.customer_locale,
                "tags": sorted(order.tags),
            },
            "lines": [
                {
                    "id": line.platform_id,
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "fulfilled": line.fulfilled,
                    "cancelled": line.cancelled,
                    "preorder": line.preorder,
                    "on_hold": line.on_hold,
                }
                for line in order.lines
            ],
            "queue": [
                {
                    "line_id": entry.line_id,
                    "sku": entry.sku,
                    "position": entry.position,
                    "waiting": entry.waiting,
                    "allocated": entry.allocated,
                    "eta": _iso(entry.eta),
                    "reason": entry.reason,
                }
                for entry in self.queue
            ],
            "history": [
                {
                    "at": _iso(event.at),
                    "kind": event.kind.value,
                    "sku": event.sku,
                    "quantity": event.quantity,
                    "line_id": event.line_id,
                    "eta": _iso(event.eta),
                    "old_eta": _iso(event.old_eta),
                    "detail": event.detail,
                }
                for event in self.events
            ],
            "emails": [
                {
                    "kind": email.kind,
                    "to": email.recipient,
                    "subject": email.subject,
                    "status": email.status,
                    "created_at": _iso(email.created_at),
                    "sent_at": _iso(email.sent_at),
                }
                for email in self.emails
            ],
            "holds": self.holds,
        }


def order_story(
    store: StateStore, outbox: _OutboxReader | None, shop: str, order_ref: str
) -> OrderStory | None:
    """The story of the order whose id or number is ``order_ref`` in ``shop`` (None: unknown)."""
    order = store.order(shop, order_ref)
    if order is None:
        return None
    line_skus = {line.sku for line in order.lines if line.sku}
    queue = [
        entry
        for sku in sorted(line_skus)
        for entry in store.queue(shop, sku)
        if entry.order_id == order.platform_id
    ]
    events = store.events(shop, order_id=order.platform_id)
    emails = list(outbox.sent_for_order(shop, order.platform_id)) if outbox is not None else []
    return OrderStory(shop=shop, order=order, queue=queue, events=events, emails=emails)
