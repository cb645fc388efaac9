"""The customer page's cancel: recorded first, written to the shop once, by the daemon.

A cancel goes through three steps, each safe to repeat:

1. :func:`request_cancel` (the page's POST) records the waiting units and an idempotency key,
   one row per (shop, order, promise), in ``customer_cancels``; a double click or a replayed form
   finds the row and adds nothing. With ``cancel_needs_approval`` it waits for the owner
   (:func:`decide`, ``connector cancels approve``) instead.
2. :func:`run_cancels` (each daemon cycle, under the shop's lease, before the sync) claims each
   pending row and asks the adapter to cancel and refund with the row's key. The adapter makes the
   write at most once per key (Shopify's ``@idempotent``; a marker on the WooCommerce refund), so
   a process that died after writing but before recording is retried safely once its claim is
   stale (:data:`STALE_CLAIM`).
3. The cycle's sync then reads the refund back: the units leave the queue (freed stock goes to the
   next in line) and the engine sends the customer its cancellation mail with the refund the shop
   recorded (the confirmation of this choice).

A refusal that will not pass on retry leaves the row ``failed`` with the shop's words, logged for
the owner and shown in ``connector order N``; the customer page says the shop will be in touch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from connector.clock import Clock
from connector.errors import ConnectorError, RetryableError
from connector.model_cancel import CancelOutcome, LineCancel, LineCanceller, RefundKind
from connector.web.tables import (
    CANCEL,
    CancelState,
    customer_cancels,
    decide_awaiting,
    record_choice,
)

__all__ = [
    "STALE_CLAIM",
    "CancelRecord",
    "cancel_key",
    "cancels_for",
    "decide",
    "open_cancels",
    "request_cancel",
    "run_cancels",
]

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
"""A claim older than this belongs to a process that died mid-write: another may retry it (the
adapter's idempotency key keeps the retry from refunding twice)."""

REASON = "Cancelled by the customer on the order page (backorder connector)"


@dataclass(frozen=True, slots=True)
class CancelRecord:
    """One cancel as recorded: what was asked, when, and what the shop did."""

    shop: str
    order_id: str
    key: str
    units: tuple[tuple[str, int], ...]
    state: str
    source: str
    requested_at: datetime
    updated_at: datetime
    attempts: int
    refund_id: str
    refund: str
    """A :class:`~connector.model_cancel.RefundKind` value once done, else ""."""
    amount: Decimal | None
    owed: Decimal | None
    currency: str
    message: str


def cancel_key(shop: str, order_id: str, promise: date | None) -> str:
    """The idempotency key of the cancel of ``order_id`` asked while ``promise`` stood."""
    text = json.dumps([shop, order_id, promise.isoformat() if promise else ""])
    return "bc-cancel-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _record(row: Any) -> CancelRecord:
    try:
        units = tuple((str(line), int(n)) for line, n in json.loads(row.units))
    except (ValueError, TypeError):
        units = ()
    return CancelRecord(
        shop=row.shop,
        order_id=row.order_id,
        key=row.key,
        units=units,
        state=row.state,
        source=row.source,
        requested_at=row.requested_at,
        updated_at=row.updated_at,
        attempts=row.attempts,
        refund_id=row.refund_id,
        refund=row.refund,
        amount=_decimal(row.amount),
        owed=_decimal(row.owed),
        currency=row.currency,
        message=row.message,
    )


def _by_key(conn: sa.Connection, key: str) -> CancelRecord | None:
    row = conn.execute(sa.select(customer_cancels).where(customer_cancels.c.key == key)).first()
    return _record(row) if row is not None else None


def cancels_for(engine: sa.Engine, shop: str, order_id: str) -> list[CancelRecord]:
    """Every cancel asked for one order, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(customer_cancels)
            .where(customer_cancels.c.shop == shop, customer_cancels.c.order_id == order_id)
            .order_by(customer_cancels.c.id)
        ).all()
    return [_record(row) for row in rows]


def open_cancels(engine: sa.Engine, shop: str) -> list[CancelRecord]:
    """Every cancel of ``shop`` not done, failed or declined yet, oldest first."""
    ended = (CancelState.DONE, CancelState.FAILED, CancelState.DECLINED)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(customer_cancels)
            .where(customer_cancels.c.shop == shop, customer_cancels.c.state.not_in(ended))
            .order_by(customer_cancels.c.id)
        ).all()
    return [_record(row) for row in rows]


def request_cancel(
    engine: sa.Engine,
    *,
    shop: str,
    order_id: str,
    units: Iterable[tuple[str, int]],
    promise: date | None,
    at: datetime,
    source: str,
    needs_approval: bool,
) -> CancelRecord:
    """Record a cancel of ``units`` (line id, units); the existing record when already asked."""
    key = cancel_key(shop, order_id, promise)
    wanted = sorted((line, n) for line, n in units if n > 0)
    state = CancelState.AWAITING_APPROVAL if needs_approval else CancelState.PENDING
    try:
        with engine.begin() as conn:
            conn.execute(
                customer_cancels.insert().values(
                    shop=shop,
                    order_id=order_id,
                    key=key,
                    units=json.dumps(wanted),
                    state=state,
                    source=source,
                    requested_at=at,
                    updated_at=at,
                )
            )
    except sa.exc.IntegrityError:
        pass  # asked before (a double click, a replayed form): the first record stands
    else:
        record_choice(
            engine,
            shop=shop,
            order_id=order_id,
            action=CANCEL,
            promise=promise,
            at=at,
            source=source,
        )
    with engine.connect() as conn:
        found = _by_key(conn, key)
    assert found is not None  # inserted above or before
    return found


def decide(engine: sa.Engine, key: str, *, approve: bool, at: datetime) -> CancelRecord | None:
    """The owner's answer to a cancel awaiting approval; None when there is no such cancel.

    Only an awaiting cancel changes: approving twice, or deciding one already done, does nothing.
    """
    with engine.begin() as conn:
        decide_awaiting(conn, customer_cancels, key, approve=approve, at=at)
        return _by_key(conn, key)


def _claim(engine: sa.Engine, key: str, now: datetime) -> bool:
    """Take ``key`` for this process: pending, or claimed by one that died (stale)."""
    table = customer_cancels
    with engine.begin() as conn:
        claimed = conn.execute(
            table.update()
            .where(
                table.c.key == key,
                sa.or_(
                    table.c.state == CancelState.PENDING,
                    sa.and_(
                        table.c.state == CancelState.WRITING,
                        table.c.updated_at < now - STALE_CLAIM,
                    ),
                ),
            )
            .values(state=CancelState.WRITING, updated_at=now, attempts=table.c.attempts + 1)
        )
        return claimed.rowcount == 1


def _finish(engine: sa.Engine, key: str, now: datetime, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            customer_cancels.update()
            .where(customer_cancels.c.key == key, customer_cancels.c.state == CancelState.WRITING)
            .values(updated_at=now, **values)
        )


def _done(outcome: CancelOutcome) -> dict[str, Any]:
    return {
        "state": CancelState.DONE,
        "refund_id": outcome.refund_id,
        "refund": outcome.refund,
        "amount": f"{outcome.amount:.2f}",
        "owed": f"{outcome.owed:.2f}" if outcome.owed else "",
        "currency": outcome.currency,
        "message": "",
    }


def run_cancels(engine: sa.Engine, clock: Clock, shop: str, adapter: object) -> list[CancelRecord]:
    """Write every pending cancel of ``shop`` to the shop (see the module's docstring).

    Returns the cancels this call finished (done or failed); those it left pending for a retry
    are not among them.
    """
    now = clock()
    table = customer_cancels
    with engine.connect() as conn:
        keys = (
            conn.execute(
                sa.select(table.c.key)
                .where(
                    table.c.shop == shop,
                    sa.or_(
                        table.c.state == CancelState.PENDING,
                        sa.and_(
                            table.c.state == CancelState.WRITING,
                            table.c.updated_at < now - STALE_CLAIM,
                        ),
                    ),
                )
                .order_by(table.c.id)
            )
            .scalars()
            .all()
        )
    finished = []
    canceller = adapter.cancel_lines if isinstance(adapter, LineCanceller) else None
    for key in keys:
        if not _claim(engine, key, now):
            continue  # another process has it
        with engine.connect() as conn:
            record = _by_key(conn, key)
        assert record is not None
        if canceller is None:
            _finish(
                engine,
                key,
                clock(),
                state=CancelState.FAILED,
                message="this platform cannot cancel lines",
            )
        else:
            _write(engine, clock, record, canceller)
        with engine.connect() as conn:
            after = _by_key(conn, key)
        if after is not None and after.state in (CancelState.DONE, CancelState.FAILED):
            finished.append(after)
    return finished


def _write(
    engine: sa.Engine,
    clock: Clock,
    record: CancelRecord,
    canceller: Callable[[LineCancel], CancelOutcome],
) -> None:
    request = LineCancel(record.order_id, record.units, record.key, REASON)
    where = f"{record.shop}: order {record.order_id}: customer's cancel"
    try:
        outcome = canceller(request)
    except RetryableError as error:
        log.warning("%s: will retry: %s", where, error)
        _finish(engine, record.key, clock(), state=CancelState.PENDING, message=str(error))
        return
    except ConnectorError as error:
        # Told to the owner: the daemon's log and ``connector order``; the page says so too.
        log.error("%s: the shop refused it, cancel by hand: %s", where, error)
        _finish(engine, record.key, clock(), state=CancelState.FAILED, message=str(error))
        return
    if outcome.refund == RefundKind.MANUAL:
        log.warning(
            "%s: lines cancelled; the payment gateway cannot refund, pay back %s %s by hand",
            where,
            outcome.owed,
            outcome.currency,
        )
    _finish(engine, record.key, clock(), **_done(outcome))
