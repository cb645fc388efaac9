"""Per-shop leases in the state database: no shop is worked by two daemons at once.

A lease row per shop names its holder and when it expires. :func:`acquire` takes a free or expired
lease (or extends one's own) with a single conditional ``UPDATE`` — atomic on SQLite and on
PostgreSQL, where a concurrent update waits and then re-checks the condition — and falls back to an
``INSERT`` the primary key guards when the shop has no row yet. A holder renews while it works
(:class:`LeaseKeeper` does it from a background thread); a daemon that dies simply stops renewing,
and another takes the shop over once the lease expires.

``generation`` grows by one on every change of holder: a fencing token. Work that checks
:meth:`LeaseKeeper.still_held` before each write never writes after losing the shop.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import sqlalchemy as sa

from connector.clock import Clock, system_clock
from connector.daemon_schema import leases
from connector.model import utc

__all__ = [
    "LeaseInfo",
    "LeaseKeeper",
    "acquire",
    "database_clock",
    "leases",
    "list_leases",
    "make_holder_id",
    "release",
    "renew",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    shop: str
    holder: str
    expires_at: datetime
    acquired_at: datetime
    renewed_at: datetime
    generation: int


def make_holder_id() -> str:
    """A holder id unique to this process: host, pid and a random part (pids get reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def database_clock(engine: sa.Engine) -> Clock:
    """The clock lease expiry is compared with: the database's own on PostgreSQL.

    Daemons on several hosts share one PostgreSQL; reading its clock means a host whose clock runs
    ahead cannot steal a live lease, nor one running behind keep writing on an expired one. SQLite
    lives on one host, where the system clock is already shared.
    """
    if engine.dialect.name != "postgresql":
        return system_clock

    def now() -> datetime:
        with engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
        return utc(value)

    return now


def acquire(engine: sa.Engine, shop: str, holder: str, now: datetime, ttl: timedelta) -> int | None:
    """Take (or extend) the lease on ``shop`` until ``now + ttl``.

    Returns the lease generation when ``holder`` now holds it, None when someone else does.
    """
    expires = now + ttl
    with engine.begin() as conn:
        changed = conn.execute(
            leases.update()
            .where(leases.c.shop == shop)
            .where(sa.or_(leases.c.holder == holder, leases.c.expires_at <= now))
            .values(
                holder=holder,
                expires_at=expires,
                renewed_at=now,
                acquired_at=sa.case((leases.c.holder == holder, leases.c.acquired_at), else_=now),
                generation=sa.case(
                    (leases.c.holder == holder, leases.c.generation),
                    else_=leases.c.generation + 1,
                ),
            )
        ).rowcount
    if not changed:
        try:
            with engine.begin() as conn:
                conn.execute(
                    leases.insert().values(
                        shop=shop,
                        holder=holder,
                        expires_at=expires,
                        acquired_at=now,
                        renewed_at=now,
                        generation=1,
                    )
                )
        except sa.exc.IntegrityError:
            return None  # a live row exists and is someone else's
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(leases.c.holder, leases.c.generation).where(leases.c.shop == shop)
        ).one_or_none()
    if row is None or row.holder != holder:
        return None
    return int(row.generation)


def renew(engine: sa.Engine, shop: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Push the expiry of a lease ``holder`` still holds; False when it was lost (expired, taken)."""
    with engine.begin() as conn:
        changed = conn.execute(
            leases.update()
            .where(leases.c.shop == shop)
            .where(leases.c.holder == holder)
            .where(leases.c.expires_at > now)
            .values(expires_at=now + ttl, renewed_at=now)
        ).rowcount
    return bool(changed)


def release(engine: sa.Engine, shop: str, holder: str, now: datetime) -> None:
    """Give the shop up at once (expire it now), so another daemon need not wait for the expiry."""
    with engine.begin() as conn:
        conn.execute(
            leases.update()
            .where(leases.c.shop == shop)
            .where(leases.c.holder == holder)
            .values(expires_at=now, renewed_at=now)
        )


def list_leases(engine: sa.Engine) -> list[LeaseInfo]:
    """Every lease row, for ``connector status``."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(leases).order_by(leases.c.shop)).all()
    return [
        LeaseInfo(
            shop=row.shop,
            holder=row.holder,
            expires_at=row.expires_at,
            acquired_at=row.acquired_at,
            renewed_at=row.renewed_at,
            generation=int(row.generation),
        )
        for row in rows
    ]


class LeaseKeeper:
    """Hold a shop's lease for the length of a ``with`` block, renewing it in the background.

    ``acquired`` says whether the block may work the shop at all. :meth:`still_held` is the check
    to make before each write: it turns False as soon as a renewal fails, and stays False.
    """

    def __init__(
        self,
        engine: sa.Engine,
        shop: str,
        holder: str,
        *,
        ttl: timedelta,
        clock: Clock = system_clock,
        renew_every: float | None = None,
    ) -> None:
        self.engine = engine
        self.shop = shop
        self.holder = holder
        self.ttl = ttl
        self.clock = clock
        self.renew_every = renew_every if renew_every is not None else ttl.total_seconds() / 3
        self.generation: int | None = None
        self._lost = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def acquired(self) -> bool:
        return self.generation is not None

    def still_held(self) -> bool:
        """True while the lease is ours and not about to expire; False once it was lost."""
        if not self.acquired or self._lost.is_set():
            return False
        if not renew(self.engine, self.shop, self.holder, self.clock(), self.ttl):
            self._lost.set()
        return not self._lost.is_set()

    def _renew_loop(self) -> None:
        while not self._done.wait(self.renew_every):
            try:
                if not renew(self.engine, self.shop, self.holder, self.clock(), self.ttl):
                    log.warning("lease on %s lost", self.shop, extra={"shop": self.shop})
                    self._lost.set()
                    return
            except sa.exc.SQLAlchemyError:
                log.exception("lease renewal failed", extra={"shop": self.shop})

    def __enter__(self) -> LeaseKeeper:
        self.generation = acquire(self.engine, self.shop, self.holder, self.clock(), self.ttl)
        if self.acquired and self.renew_every > 0:
            self._thread = threading.Thread(
                target=self._renew_loop, name=f"lease-{self.shop}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        # Keep the lease until it expires unless we are leaving for good (see release()); another
        # daemon taking the shop between our cycles is fine, but handing it over mid-schedule
        # would make shops bounce between daemons on every cycle.
