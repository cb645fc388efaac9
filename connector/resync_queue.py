"""Targeted resyncs waiting for the daemon, kept in the database (``resync_requests``).

Webhooks and ``connector resync`` never touch a shop themselves: they enqueue what to re-read, and
whoever holds the shop's lease drains the queue (:mod:`connector.cycle`). So a support agent's
resync and a running daemon never collide, and a request made while no daemon runs waits safely.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connector.daemon_schema import resync_requests
from connector.logs import redact
from connector.platform import ResyncTarget

__all__ = [
    "PendingResync",
    "RequestState",
    "enqueue_resync",
    "exhausted_resyncs",
    "merge_targets",
    "pending_count",
    "pending_resyncs",
    "prune_resyncs",
    "request_states",
    "resync_done",
    "resync_failed",
    "target_from_json",
    "target_to_json",
]

MAX_ATTEMPTS = 10
"""After this many failed tries a request stops being retried (it stays visible in status)."""


def target_to_json(target: ResyncTarget) -> str:
    return json.dumps(
        {
            "order_ids": list(target.order_ids),
            "order_numbers": list(target.order_numbers),
            "product_ids": list(target.product_ids),
            "skus": list(target.skus),
            "everything": target.everything,
            "uninstalled": target.uninstalled,
        },
        sort_keys=True,
    )


def target_from_json(text: str) -> ResyncTarget:
    data = json.loads(text)
    return ResyncTarget(
        order_ids=tuple(str(i) for i in data.get("order_ids", ())),
        order_numbers=tuple(str(n) for n in data.get("order_numbers", ())),
        product_ids=tuple(str(i) for i in data.get("product_ids", ())),
        skus=tuple(str(s) for s in data.get("skus", ())),
        everything=bool(data.get("everything", False)),
        uninstalled=bool(data.get("uninstalled", False)),
    )


def merge_targets(targets: list[ResyncTarget]) -> ResyncTarget:
    """One target covering all of ``targets`` (ids de-duplicated, order kept)."""

    def union(values: list[tuple[str, ...]]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for group in values for v in group))

    return ResyncTarget(
        order_ids=union([t.order_ids for t in targets]),
        order_numbers=union([t.order_numbers for t in targets]),
        product_ids=union([t.product_ids for t in targets]),
        skus=union([t.skus for t in targets]),
        everything=any(t.everything for t in targets),
        uninstalled=any(t.uninstalled for t in targets),
    )


@dataclass(frozen=True, slots=True)
class PendingResync:
    id: int
    shop: str
    target: ResyncTarget
    source: str
    requested_at: datetime
    attempts: int


def enqueue_resync(
    conn: sa.Connection, shop: str, target: ResyncTarget, *, source: str, now: datetime
) -> int:
    """Queue ``target`` for ``shop`` inside the caller's transaction; returns the request id."""
    result = conn.execute(
        resync_requests.insert().values(
            shop=shop,
            target=target_to_json(target),
            source=source,
            requested_at=now,
            attempts=0,
            last_error="",
        )
    )
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def pending_resyncs(engine: sa.Engine, shop: str, limit: int = 500) -> list[PendingResync]:
    """Requests not yet done (oldest first), leaving out those that failed too often."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(resync_requests)
            .where(resync_requests.c.shop == shop)
            .where(resync_requests.c.done_at.is_(None))
            .where(resync_requests.c.attempts < MAX_ATTEMPTS)
            .order_by(resync_requests.c.id)
            .limit(limit)
        ).all()
    return [
        PendingResync(
            id=row.id,
            shop=row.shop,
            target=target_from_json(row.target),
            source=row.source,
            requested_at=row.requested_at,
            attempts=row.attempts,
        )
        for row in rows
    ]


def pending_count(engine: sa.Engine) -> dict[str, int]:
    """Pending requests per shop."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(resync_requests.c.shop, sa.func.count())
            .where(resync_requests.c.done_at.is_(None))
            .where(resync_requests.c.attempts < MAX_ATTEMPTS)
            .group_by(resync_requests.c.shop)
        ).all()
    return {row[0]: int(row[1]) for row in rows}


def resync_done(engine: sa.Engine, ids: list[int], now: datetime) -> None:
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(
            resync_requests.update().where(resync_requests.c.id.in_(ids)).values(done_at=now)
        )


def resync_failed(engine: sa.Engine, ids: list[int], error: str) -> None:
    """Count a failed try; the request stays queued for the next cycle (``error`` is redacted)."""
    if not ids:
        return
    with engine.begin() as conn:
        conn.execute(
            resync_requests.update()
            .where(resync_requests.c.id.in_(ids))
            .values(attempts=resync_requests.c.attempts + 1, last_error=redact(error)[:1000])
        )


def exhausted_resyncs(engine: sa.Engine, shop: str, limit: int = 5) -> list[tuple[int, str, str]]:
    """Requests the daemon gave up on (``MAX_ATTEMPTS`` failures): ``(id, source, last_error)``.

    They are never retried by themselves, so ``connector status`` shows them until someone runs
    the resync again or they age out.
    """
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(resync_requests.c.id, resync_requests.c.source, resync_requests.c.last_error)
            .where(resync_requests.c.shop == shop)
            .where(resync_requests.c.done_at.is_(None))
            .where(resync_requests.c.attempts >= MAX_ATTEMPTS)
            .order_by(resync_requests.c.id.desc())
            .limit(limit)
        ).all()
    return [(int(row.id), str(row.source), str(row.last_error)) for row in rows]


def prune_resyncs(conn: sa.Connection, shop: str, before: datetime) -> None:
    """Drop ``shop``'s requests finished, or given up on, before ``before`` (the table stays small)."""
    conn.execute(
        resync_requests.delete()
        .where(resync_requests.c.shop == shop)
        .where(
            sa.or_(
                resync_requests.c.done_at < before,
                sa.and_(
                    resync_requests.c.attempts >= MAX_ATTEMPTS,
                    resync_requests.c.requested_at < before,
                ),
            )
        )
    )


@dataclass(frozen=True, slots=True)
class RequestState:
    """Where one request stands: waiting (no ``done_at``), done, or given up on."""

    id: int
    requested_at: datetime
    done_at: datetime | None
    attempts: int
    last_error: str

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        return "gave up" if self.attempts >= MAX_ATTEMPTS else "waiting"


def request_states(engine: sa.Engine, ids: list[int]) -> dict[int, RequestState]:
    """The requests among ``ids`` still recorded (finished ones are pruned after a while)."""
    if not ids:
        return {}
    c = resync_requests.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.id, c.requested_at, c.done_at, c.attempts, c.last_error).where(
                c.id.in_(ids)
            )
        ).all()
    return {
        int(row.id): RequestState(
            int(row.id), row.requested_at, row.done_at, int(row.attempts), str(row.last_error)
        )
        for row in rows
    }
