"""The outbox: notifications become rows, rows become mail, each message sent exactly once.

Life of a row::

    enqueue ──▶ pending ──claim──▶ sending ──accepted──▶ sent
                  ▲                   │ temporary failure (4xx, timeout): back to pending, later
                  └───────────────────┤ permanent failure (5xx) or too many tries: failed
                                      └ crash, found stale on a later run: ask the transport
                                          folder: file there ▶ sent, missing ▶ pending
                                          SMTP: cannot know  ▶ unconfirmed (never resent by itself)

Exactly once rests on three things: the idempotency key is unique (a rerun of the cycle inserts
nothing new); a row is claimed (``pending`` -> ``sending``, committed) *before* the transport sees it,
so no second run or second daemon picks it up; and ``sent`` is written only after the transport
returned. A crash between the server's accept and that write leaves the row in ``sending``, and a
row in ``sending`` is never sent again without proof it did not go. For SMTP there is no such proof,
so we choose at-most-once and show the row to the store owner (``connector status``).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.clock import Clock
from connector.http import RetryPolicy, backoff_delay
from connector.model import Notification, NotificationKind, utc
from connector.notify.codec import notification_to_json
from connector.notify.outbox_reports import (
    OutboxEntry,
    OutboxError,
    OutboxStatus,
    read_order,
    read_status,
    stored_notification,
)
from connector.notify.render import (
    Alternative,
    RenderedEmail,
    Renderer,
    RenderError,
    make_message_id,
)
from connector.notify.tables import outbox_messages as messages
from connector.notify.tables import outbox_unsubscribes as unsubscribes
from connector.notify.transports import PermanentDeliveryError, TemporaryDeliveryError, Transport
from connector.settings import EmailSettings, ShopSettings

__all__ = ["DeliveryReport", "Outbox", "OutboxEntry", "OutboxError", "OutboxStatus"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_POLICY = RetryPolicy(max_attempts=MAX_ATTEMPTS, base_delay=60.0, max_delay=6 * 3600.0)
"""Backoff between delivery runs: about 1, 2, 4 ... minutes, capped at 6 hours, jittered."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one :meth:`Outbox.deliver` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    capped: int = 0
    reconciled: int = 0
    unconfirmed: int = 0
    errors: tuple[str, ...] = ()


class Outbox:
    """Customer emails waiting to go, on the state database's engine.

    ``email`` gives the From address, the owner's address and the template folder used when
    rendering at enqueue time; ``renderer`` may be shared to avoid building the environment twice.
    """

    def __init__(
        self,
        engine: sa.Engine,
        clock: Clock,
        email: EmailSettings | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.email = email or (renderer.settings if renderer else EmailSettings())
        self.renderer = renderer or Renderer(self.email)

    # -- enqueue ---------------------------------------------------------------------------------

    def enqueue(
        self,
        notifications: Iterable[Notification],
        shop: ShopSettings,
        alternatives: Mapping[str, Sequence[Alternative]] | None = None,
    ) -> int:
        """Render and store each notification once; returns how many rows are new.

        A duplicate idempotency key is ignored. A notification that cannot be rendered or has no
        address is stored as ``failed`` with the reason (never lost, shown in ``status``).
        ``alternatives`` maps a SKU to in-stock products offered instead of it.
        """
        now = self.clock()
        added = 0
        with self.engine.begin() as conn:
            for notification in notifications:
                row = self._row(notification, shop, alternatives or {}, conn, now)
                added += self._insert_ignoring_duplicates(conn, row)
        return added

    def _row(
        self,
        notification: Notification,
        shop: ShopSettings,
        alternatives: Mapping[str, Sequence[Alternative]],
        conn: sa.Connection,
        now: datetime,
    ) -> dict[str, Any]:
        key = notification.idempotency_key
        offered = [alt for line in notification.lines for alt in alternatives.get(line.sku, ())]
        status, error = "pending", ""
        rendered = RenderedEmail(subject="", html="", text="")
        try:
            rendered = self.renderer.render(notification, shop, list(dict.fromkeys(offered)))
        except RenderError as failure:
            status, error = "failed", f"render: {failure}"
        recipient = notification.email
        if notification.kind is NotificationKind.DIGEST and not recipient:
            recipient = self.email.owner_email
        if not recipient and status == "pending":
            status, error = "failed", "no email address to send to"
        elif notification.kind is NotificationKind.REMINDER and self._unsubscribed(
            conn, shop.name, recipient
        ):
            status, error = "suppressed", "unsubscribed from reminders"
        return {
            "idempotency_key": key,
            "message_id": make_message_id(key, self.email.from_address),
            "shop": shop.name,
            "kind": notification.kind.value,
            "order_id": notification.order_id,
            "order_number": notification.order_number,
            "recipient": recipient,
            "locale": rendered.locale,
            "subject": rendered.subject,
            "html": rendered.html,
            "text_body": rendered.text,
            "headers": json.dumps(dict(rendered.headers), ensure_ascii=False),
            "payload": notification_to_json(notification),
            "status": status,
            "attempts": 0,
            "last_error": error,
            "created_at": now,
            "updated_at": now,
            "next_attempt_at": now,
        }

    @staticmethod
    def _insert_ignoring_duplicates(conn: sa.Connection, row: dict[str, Any]) -> int:
        dialect = conn.dialect.name
        if dialect == "sqlite":
            from sqlalchemy.dialects import sqlite

            lite = sqlite.insert(messages).values(**row).on_conflict_do_nothing()
            # RETURNING, not rowcount: drivers report -1 for an INSERT whose key they returned.
            return len(conn.execute(lite.returning(messages.c.id)).all())
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            pg = postgresql.insert(messages).values(**row).on_conflict_do_nothing()
            return len(conn.execute(pg.returning(messages.c.id)).all())
        exists = conn.execute(
            sa.select(messages.c.id).where(messages.c.idempotency_key == row["idempotency_key"])
        ).first()
        if exists:
            return 0
        conn.execute(sa.insert(messages).values(**row))
        return 1

    # -- unsubscribe -----------------------------------------------------------------------------

    def unsubscribe(self, shop: str, email: str, source: str = "") -> None:
        """Record that ``email`` wants no more reminders from ``shop`` (other mails still go)."""
        address = email.strip().lower()
        with self.engine.begin() as conn:
            if not self._unsubscribed(conn, shop, address):
                conn.execute(
                    sa.insert(unsubscribes).values(
                        shop=shop, email=address, created_at=self.clock(), source=source
                    )
                )

    def is_unsubscribed(self, shop: str, email: str) -> bool:
        with self.engine.connect() as conn:
            return self._unsubscribed(conn, shop, email)

    @staticmethod
    def _unsubscribed(conn: sa.Connection, shop: str, email: str) -> bool:
        query = sa.select(unsubscribes.c.email).where(
            unsubscribes.c.shop == shop, unsubscribes.c.email == email.strip().lower()
        )
        return conn.execute(query).first() is not None

    # -- deliver ---------------------------------------------------------------------------------

    def deliver(
        self,
        transport: Transport,
        settings: EmailSettings | None = None,
        now: datetime | None = None,
        limit: int = 100,
    ) -> DeliveryReport:
        """Send what is due, at most ``limit`` messages, honouring each shop's hourly cap.

        Rows stuck in ``sending`` for longer than the stale window (a crashed run) are reconciled
        first. Exceptions that are not delivery failures (a crash, Ctrl-C) propagate and leave the
        row in ``sending``: it is then never sent twice.
        """
        settings = settings or self.email
        now = utc(now) if now is not None else self.clock()
        counts: dict[str, int] = {}
        errors: list[str] = []
        reconciled, unconfirmed = self._reconcile(transport, settings, now)
        used: dict[str, int] = {}
        try:
            for row in self._due(now, limit):
                shop = row.shop
                if shop not in used:
                    used[shop] = self._sent_last_hour(shop, now)
                if used[shop] >= settings.hourly_cap:
                    counts["capped"] = counts.get("capped", 0) + 1
                    continue
                outcome = self._deliver_one(row, transport, settings, now, errors)
                counts[outcome] = counts.get(outcome, 0) + 1
                if outcome == "sent":
                    used[shop] += 1
        finally:
            transport.close()
        return DeliveryReport(
            sent=counts.get("sent", 0),
            retried=counts.get("retried", 0),
            failed=counts.get("failed", 0),
            suppressed=counts.get("suppressed", 0),
            capped=counts.get("capped", 0),
            reconciled=reconciled,
            unconfirmed=unconfirmed,
            errors=tuple(errors),
        )

    @staticmethod
    def stale_after(settings: EmailSettings) -> timedelta:
        """How long a row may sit in ``sending`` before a later run treats it as a crashed send."""
        return timedelta(seconds=max(60.0, 4 * settings.timeout_seconds))

    def _reconcile(
        self, transport: Transport, settings: EmailSettings, now: datetime
    ) -> tuple[int, int]:
        cutoff = now - self.stale_after(settings)
        with self.engine.connect() as conn:
            stuck = conn.execute(
                sa.select(messages.c.id, messages.c.message_id, messages.c.sending_at).where(
                    messages.c.status == "sending", messages.c.sending_at <= cutoff
                )
            ).all()
        reconciled = unconfirmed = 0
        for row in stuck:
            verdict = transport.was_delivered(row.message_id)
            if verdict is True:
                self._finish(
                    row.id,
                    "sending",
                    status="sent",
                    sent_at=utc(row.sending_at),
                    now=now,
                    last_error="",
                )
                reconciled += 1
            elif verdict is False:
                self._finish(
                    row.id,
                    "sending",
                    status="pending",
                    next_attempt_at=now,
                    now=now,
                    last_error=f"interrupted before {transport.name} accepted it; sending again",
                )
                reconciled += 1
            else:
                self._finish(
                    row.id,
                    "sending",
                    status="unconfirmed",
                    now=now,
                    last_error=(
                        f"interrupted while handing it to {transport.name}; it may or may not have gone, so it "
                        "is not resent automatically (check the mail server log, then `Outbox.requeue`)"
                    ),
                )
                unconfirmed += 1
        return reconciled, unconfirmed

    def _due(self, now: datetime, limit: int) -> list[Any]:
        query = (
            sa.select(messages)
            .where(messages.c.status == "pending", messages.c.next_attempt_at <= now)
            .order_by(messages.c.next_attempt_at, messages.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def _sent_last_hour(self, shop: str, now: datetime) -> int:
        query = sa.select(sa.func.count()).where(
            messages.c.shop == shop,
            messages.c.status.in_(("sent", "sending", "unconfirmed")),
            messages.c.sending_at > now - timedelta(hours=1),
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _deliver_one(
        self,
        row: Any,
        transport: Transport,
        settings: EmailSettings,
        now: datetime,
        errors: list[str],
    ) -> str:
        if row.kind == NotificationKind.REMINDER.value and self.is_unsubscribed(
            row.shop, row.recipient
        ):
            self._finish(
                row.id,
                "pending",
                status="suppressed",
                now=now,
                last_error="unsubscribed from reminders",
            )
            return "suppressed"
        if not self._claim(row.id, now):
            return "skipped"  # another daemon took it between our select and our claim
        rendered = RenderedEmail(
            subject=row.subject, html=row.html, text=row.text_body, headers=json.loads(row.headers)
        )
        message = rendered.to_message(row.message_id, now)
        attempts = row.attempts + 1
        try:
            transport.send(message, settings.from_address, [row.recipient])
        except PermanentDeliveryError as failure:
            self._finish(row.id, "sending", status="failed", now=now, last_error=str(failure))
            errors.append(f"{row.recipient}: {failure}")
            return "failed"
        except (TemporaryDeliveryError, Exception) as failure:
            # Anything else a transport raises is treated as temporary: retried, then reported.
            reason = str(failure) or type(failure).__name__
            if attempts >= MAX_ATTEMPTS:
                self._finish(
                    row.id,
                    "sending",
                    status="failed",
                    now=now,
                    last_error=f"gave up after {attempts} attempts: {reason}",
                )
                errors.append(f"{row.recipient}: {reason}")
                return "failed"
            delay = backoff_delay(attempts, RETRY_POLICY, random.Random(f"{row.id}:{attempts}"))
            retry_at = now + timedelta(seconds=max(RETRY_POLICY.base_delay, delay))
            self._finish(
                row.id,
                "sending",
                status="pending",
                next_attempt_at=retry_at,
                now=now,
                last_error=f"attempt {attempts}: {reason}",
            )
            return "retried"
        self._finish(row.id, "sending", status="sent", sent_at=now, now=now, last_error="")
        return "sent"

    def _claim(self, row_id: int, now: datetime) -> bool:
        """``pending`` -> ``sending``, committed before the transport sees the message."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(messages)
                .where(messages.c.id == row_id, messages.c.status == "pending")
                .values(
                    status="sending",
                    sending_at=now,
                    updated_at=now,
                    attempts=messages.c.attempts + 1,
                )
            )
            return result.rowcount == 1

    def _finish(self, row_id: int, expected: str, *, now: datetime, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(messages)
                .where(messages.c.id == row_id, messages.c.status == expected)
                .values(updated_at=now, **values)
            )

    def requeue(self, row_id: int) -> bool:
        """Send an ``unconfirmed`` or ``failed`` row again (a person decided it did not go)."""
        now = self.clock()
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(messages)
                .where(messages.c.id == row_id, messages.c.status.in_(("unconfirmed", "failed")))
                .values(status="pending", next_attempt_at=now, updated_at=now, attempts=0)
            )
            return result.rowcount == 1

    # -- reading (see connector.notify.outbox_reports) ------------------------------------------

    def status(self, shop: str) -> OutboxStatus:
        """Counts per state and the five latest problems, for ``connector status``."""
        return read_status(self.engine, shop)

    def sent_for_order(self, shop: str, order_id: str) -> list[OutboxEntry]:
        """Every message of one order (matched by platform id or order number), oldest first."""
        return read_order(self.engine, shop, order_id)

    def notification_for_order(
        self, order_ref: str, kind: NotificationKind | None = None, shop: str | None = None
    ) -> Notification | None:
        """The latest stored notification of an order (by id or number), for previews."""
        return stored_notification(self.engine, order_ref, kind, shop)
