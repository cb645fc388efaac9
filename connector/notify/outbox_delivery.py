"""One delivery run: claim each due row, hand it to the transport, write what happened.

A row is claimed (``pending`` -> ``sending``, with this run's token and the clock read *for that
row*) and committed before the transport sees it; every later write checks the token, so two runs
at once (two daemons, or a slow run and a reconciling one) never overwrite each other's decisions.

How a failure ends depends on when it happened (see :mod:`connector.notify.transports`): before the
body went it is retried or, for a refused recipient, failed; after the body went without an answer
it is ``unconfirmed`` and never resent by itself; a transport that cannot send at all (connection,
TLS, login) stops the run and leaves every row pending, recording the reason once.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.http import RetryPolicy, backoff_delay
from connector.model import NotificationKind
from connector.notify.outbox_reconcile import (
    clear_run_problem,
    finish,
    reconcile,
    record_run_problem,
)
from connector.notify.render import RenderedEmail
from connector.notify.tables import outbox_messages as messages
from connector.notify.tables import unsubscribed
from connector.notify.transports import (
    PermanentDeliveryError,
    TemporaryDeliveryError,
    Transport,
    TransportUnavailable,
    UnconfirmedDeliveryError,
)
from connector.settings import EmailSettings

__all__ = ["MAX_ATTEMPTS", "RETRY_POLICY", "DeliveryReport", "DeliveryRun"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_POLICY = RetryPolicy(max_attempts=MAX_ATTEMPTS, base_delay=60.0, max_delay=6 * 3600.0)
"""Backoff between delivery runs: about 1, 2, 4 ... minutes, capped at 6 hours, jittered."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery run did. ``stopped`` is why the run could not send at all ("" if it could)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    capped: int = 0
    reconciled: int = 0
    unconfirmed: int = 0
    errors: tuple[str, ...] = ()
    stopped: str = ""


class _Stop(Exception):
    """The transport cannot send anything in this run."""


class DeliveryRun:
    """One pass over the due rows with one transport; use once via :meth:`run`."""

    def __init__(
        self,
        engine: sa.Engine,
        clock: Callable[[], datetime],
        transport: Transport,
        settings: EmailSettings,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.transport = transport
        self.settings = settings
        self.token = uuid.uuid4().hex
        self.counts: dict[str, int] = {}
        self.errors: list[str] = []

    def run(self, limit: int) -> DeliveryReport:
        now = self.clock()
        reconciled, unconfirmed = reconcile(self.engine, self.transport, self.settings, now)
        used: dict[str, int] = {}
        stopped = ""
        try:
            for row in self._due(now, limit):
                if row.shop not in used:
                    used[row.shop] = self._sent_last_hour(row.shop, now)
                if used[row.shop] >= self.settings.hourly_cap:
                    self._count("capped")
                    continue
                outcome = self._deliver_one(row)
                self._count(outcome)
                if outcome == "sent":
                    used[row.shop] += 1
        except _Stop as stop:
            stopped = str(stop)
        finally:
            self.transport.close()
        self._note_run(stopped)
        return DeliveryReport(
            sent=self.counts.get("sent", 0),
            retried=self.counts.get("retried", 0),
            failed=self.counts.get("failed", 0),
            suppressed=self.counts.get("suppressed", 0),
            capped=self.counts.get("capped", 0),
            reconciled=reconciled,
            unconfirmed=unconfirmed + self.counts.get("unconfirmed", 0),
            errors=tuple(self.errors),
            stopped=stopped,
        )

    def _count(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def _note_run(self, stopped: str) -> None:
        now = self.clock()
        if stopped:
            record_run_problem(self.engine, self.transport.name, stopped, now)
        elif any(self.counts.get(k) for k in ("sent", "retried", "failed", "unconfirmed")):
            # The transport took part in a conversation: whatever stopped an earlier run is over.
            clear_run_problem(self.engine, self.transport.name, now)

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

    def _unsubscribed(self, shop: str, email: str) -> bool:
        with self.engine.connect() as conn:
            return unsubscribed(conn, shop, email)

    def _claim(self, row_id: int) -> datetime | None:
        """``pending`` -> ``sending`` with our token, committed before the transport sees it."""
        now = self.clock()  # per row: a long run must not backdate its later claims
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(messages)
                .where(messages.c.id == row_id, messages.c.status == "pending")
                .values(
                    status="sending",
                    sending_at=now,
                    updated_at=now,
                    claim_token=self.token,
                    attempts=messages.c.attempts + 1,
                )
            )
        return now if result.rowcount == 1 else None

    def _finish(self, row_id: int, **values: Any) -> bool:
        moved = finish(self.engine, row_id, self.token, now=self.clock(), **values)
        if not moved:
            log.warning("outbox row %s was settled by another delivery run meanwhile", row_id)
        return moved

    def _deliver_one(self, row: Any) -> str:
        if row.kind == NotificationKind.REMINDER.value and self._unsubscribed(
            row.shop, row.recipient
        ):
            finish(
                self.engine,
                row.id,
                None,
                now=self.clock(),
                expected=("pending",),
                status="suppressed",
                last_error="unsubscribed from reminders",
            )
            return "suppressed"
        claimed_at = self._claim(row.id)
        if claimed_at is None:
            return "skipped"  # another run took it between our select and our claim
        rendered = RenderedEmail(
            subject=row.subject, html=row.html, text=row.text_body, headers=json.loads(row.headers)
        )
        message = rendered.to_message(row.message_id, claimed_at)
        attempts = row.attempts + 1
        try:
            self.transport.send(message, self.settings.from_address, [row.recipient])
        except TransportUnavailable as problem:
            # Not this message's fault: give the row back untouched, as if never claimed.
            finish(
                self.engine,
                row.id,
                self.token,
                now=self.clock(),
                status="pending",
                attempts=row.attempts,
                claim_token=None,
                sending_at=row.sending_at,
            )
            raise _Stop(str(problem)) from problem
        except UnconfirmedDeliveryError as unknown:
            self._finish(
                row.id,
                status="unconfirmed",
                last_error=(
                    f"{unknown}; not resent automatically (check the mail server log, then "
                    f"`connector emails requeue --id {row.id}`)"
                ),
            )
            self.errors.append(f"{row.recipient}: {unknown}")
            return "unconfirmed"
        except PermanentDeliveryError as refusal:
            self._finish(row.id, status="failed", last_error=str(refusal))
            self.errors.append(f"{row.recipient}: {refusal}")
            return "failed"
        except TemporaryDeliveryError as failure:
            return self._retry_later(row, attempts, str(failure) or type(failure).__name__)
        # The server's 250 is the truth: it wins even over a reconcile that parked the row meanwhile.
        self._finish(
            row.id,
            expected=("sending", "unconfirmed"),
            status="sent",
            sent_at=self.clock(),
            last_error="",
        )
        return "sent"

    def _retry_later(self, row: Any, attempts: int, reason: str) -> str:
        if attempts >= MAX_ATTEMPTS:
            self._finish(
                row.id, status="failed", last_error=f"gave up after {attempts} attempts: {reason}"
            )
            self.errors.append(f"{row.recipient}: {reason}")
            return "failed"
        delay = backoff_delay(attempts, RETRY_POLICY, random.Random(f"{row.id}:{attempts}"))
        now = self.clock()
        self._finish(
            row.id,
            status="pending",
            next_attempt_at=now + timedelta(seconds=max(RETRY_POLICY.base_delay, delay)),
            claim_token=None,
            last_error=f"attempt {attempts}: {reason}",
        )
        return "retried"
