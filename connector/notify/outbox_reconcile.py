"""After the fact: rows a crashed run left in ``sending``, requeues by a person, run-wide problems.

* :func:`reconcile` asks the transport about rows stuck in ``sending`` past :func:`stale_after`;
* :func:`requeue` puts ``failed`` / ``unconfirmed`` rows back to ``pending`` (``connector emails requeue``);
* :func:`record_run_problem` / :func:`clear_run_problem` keep the one reason a whole run could not
  send (``connector status`` shows it), instead of writing it on every message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from connector.notify.tables import outbox_delivery_state as state
from connector.notify.tables import outbox_messages as messages
from connector.notify.transports import Transport
from connector.settings import EmailSettings

__all__ = [
    "RequeueResult",
    "clear_run_problem",
    "finish",
    "reconcile",
    "record_run_problem",
    "requeue",
    "stale_after",
]

SOCKET_STEPS_PER_MESSAGE = 12
"""Socket operations one SMTP message may wait on, each bounded by ``timeout_seconds``: connect,
greeting, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, body, final reply, and one to spare."""


def stale_after(settings: EmailSettings) -> timedelta:
    """How long a row may sit in ``sending`` before a later run treats it as a crashed send.

    A row is claimed just before its own send (the claim time is read per row), so the window must
    cover the worst case of one message, not of a whole run: every socket step timing out.
    """
    return timedelta(seconds=max(120.0, SOCKET_STEPS_PER_MESSAGE * settings.timeout_seconds))


def finish(
    engine: sa.Engine,
    row_id: int,
    token: str | None,
    *,
    now: datetime,
    expected: Sequence[str] = ("sending",),
    **values: Any,
) -> bool:
    """Move a row on, only if it is still in ``expected`` *and* held by ``token``; True if it moved."""
    query = sa.update(messages).where(messages.c.id == row_id, messages.c.status.in_(expected))
    if token is not None:
        query = query.where(messages.c.claim_token == token)
    with engine.begin() as conn:
        return conn.execute(query.values(updated_at=now, **values)).rowcount == 1


def reconcile(
    engine: sa.Engine, transport: Transport, settings: EmailSettings, now: datetime
) -> tuple[int, int]:
    """Settle rows stuck in ``sending``; returns (settled, made unconfirmed)."""
    cutoff = now - stale_after(settings)
    with engine.connect() as conn:
        stuck = conn.execute(
            sa.select(
                messages.c.id, messages.c.message_id, messages.c.sending_at, messages.c.claim_token
            ).where(messages.c.status == "sending", messages.c.sending_at <= cutoff)
        ).all()
    settled = unconfirmed = 0
    for row in stuck:
        verdict = transport.was_delivered(row.message_id)
        if verdict is True:
            moved = finish(
                engine,
                row.id,
                row.claim_token,
                now=now,
                status="sent",
                sent_at=row.sending_at,
                last_error="",
            )
            settled += moved
        elif verdict is False:
            moved = finish(
                engine,
                row.id,
                row.claim_token,
                now=now,
                status="pending",
                next_attempt_at=now,
                claim_token=None,
                last_error=f"interrupted before {transport.name} accepted it; sending again",
            )
            settled += moved
        else:
            # The claim token stays: if the run that claimed it is alive after all and hears the
            # server's 250, it may still mark the row sent.
            moved = finish(
                engine,
                row.id,
                row.claim_token,
                now=now,
                status="unconfirmed",
                last_error=(
                    f"interrupted while handing it to {transport.name}; it may or may not have "
                    f"gone, so it is not resent automatically (check the mail server log, then "
                    f"`connector emails requeue --id {row.id}`)"
                ),
            )
            unconfirmed += moved
    return settled, unconfirmed


@dataclass(frozen=True, slots=True)
class RequeueResult:
    """What a requeue did: rows back to ``pending``, and rows it would not touch with the reason."""

    requeued: tuple[int, ...] = ()
    refused: tuple[tuple[int, str], ...] = field(default=())


def requeue(
    engine: sa.Engine,
    now: datetime,
    *,
    ids: Sequence[int] = (),
    shop: str | None = None,
    all_failed: bool = False,
) -> RequeueResult:
    """Send ``failed`` rows (by id or all of them) or ``unconfirmed`` rows (by id only) again.

    ``unconfirmed`` rows may have reached the customer, so only a person naming them by id (after a
    look at the mail server log) requeues them. A row that never rendered or has no address is
    refused: sending it again would mail an empty message or nobody.
    """
    query = sa.select(
        messages.c.id, messages.c.status, messages.c.subject, messages.c.recipient
    ).order_by(messages.c.id)
    if ids:
        query = query.where(messages.c.id.in_(list(ids)))
    elif all_failed:
        query = query.where(messages.c.status == "failed")
    else:
        return RequeueResult()
    if shop is not None:
        query = query.where(messages.c.shop == shop)
    requeued: list[int] = []
    refused: list[tuple[int, str]] = []
    with engine.begin() as conn:
        rows = conn.execute(query).all()
        found = {row.id for row in rows}
        refused.extend((row_id, "no such message") for row_id in ids if row_id not in found)
        for row in rows:
            if row.status not in ("failed", "unconfirmed"):
                refused.append((row.id, f"it is {row.status}, not failed or unconfirmed"))
            elif not row.subject or not row.recipient:
                refused.append((row.id, "it never rendered or has no address; fix that first"))
            else:
                conn.execute(
                    sa.update(messages)
                    .where(messages.c.id == row.id, messages.c.status == row.status)
                    .values(
                        status="pending",
                        next_attempt_at=now,
                        updated_at=now,
                        attempts=0,
                        claim_token=None,
                        last_error="",
                    )
                )
                requeued.append(row.id)
    return RequeueResult(tuple(requeued), tuple(sorted(refused)))


def record_run_problem(engine: sa.Engine, transport: str, problem: str, now: datetime) -> None:
    """Remember why a run could not send at all (one row per transport, the latest reason)."""
    _write_state(engine, transport, {"problem": problem, "problem_at": now, "checked_at": now})


def clear_run_problem(engine: sa.Engine, transport: str, now: datetime) -> None:
    """A run got through: forget the transport's problem."""
    _write_state(engine, transport, {"problem": "", "problem_at": None, "checked_at": now})


def _write_state(engine: sa.Engine, transport: str, values: dict[str, Any]) -> None:
    with engine.begin() as conn:
        updated = conn.execute(
            sa.update(state).where(state.c.transport == transport).values(**values)
        ).rowcount
        if not updated:
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(state).values(transport=transport, **values))
            except sa.exc.IntegrityError:
                # Another run inserted it at the same moment: update theirs.
                conn.execute(
                    sa.update(state).where(state.c.transport == transport).values(**values)
                )
