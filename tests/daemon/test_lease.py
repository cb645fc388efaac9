"""Per-shop leases: two holders never at once, a dead holder's shop taken over after expiry."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.lease import LeaseKeeper, acquire, list_leases, release, renew

TTL = timedelta(seconds=60)


def test_second_holder_is_refused_while_the_first_holds(
    daemon_db: sa.Engine, clock: FrozenClock
) -> None:
    assert acquire(daemon_db, "shop-a", "daemon-1", clock(), TTL) == 1
    assert acquire(daemon_db, "shop-a", "daemon-2", clock(), TTL) is None
    clock.advance(timedelta(seconds=59))
    assert acquire(daemon_db, "shop-a", "daemon-2", clock(), TTL) is None
    # Other shops are independent.
    assert acquire(daemon_db, "shop-b", "daemon-2", clock(), TTL) == 1


def test_expired_lease_is_taken_over_with_a_new_generation(
    daemon_db: sa.Engine, clock: FrozenClock
) -> None:
    assert acquire(daemon_db, "shop-a", "daemon-1", clock(), TTL) == 1
    clock.advance(timedelta(seconds=61))  # daemon-1 died and stopped renewing
    assert acquire(daemon_db, "shop-a", "daemon-2", clock(), TTL) == 2
    # The dead holder, back from the grave, can neither renew nor re-take it.
    assert not renew(daemon_db, "shop-a", "daemon-1", clock(), TTL)
    assert acquire(daemon_db, "shop-a", "daemon-1", clock(), TTL) is None
    [info] = list_leases(daemon_db)
    assert (info.holder, info.generation) == ("daemon-2", 2)
    # Times come back aware UTC, as stored, on SQLite as on PostgreSQL: status compares them.
    assert (info.acquired_at, info.expires_at) == (clock(), clock() + TTL)


def test_renewal_keeps_the_lease_and_release_hands_it_over(
    daemon_db: sa.Engine, clock: FrozenClock
) -> None:
    assert acquire(daemon_db, "shop-a", "daemon-1", clock(), TTL)
    for _ in range(5):
        clock.advance(timedelta(seconds=40))
        assert renew(daemon_db, "shop-a", "daemon-1", clock(), TTL)
        assert acquire(daemon_db, "shop-a", "daemon-2", clock(), TTL) is None
    release(daemon_db, "shop-a", "daemon-1", clock())
    assert acquire(daemon_db, "shop-a", "daemon-2", clock(), TTL) == 2


def test_keeper_reports_a_lost_lease(daemon_db: sa.Engine, clock: FrozenClock) -> None:
    with LeaseKeeper(
        daemon_db, "shop-a", "daemon-1", ttl=TTL, clock=clock, renew_every=0
    ) as keeper:
        assert keeper.acquired and keeper.still_held()
        clock.advance(timedelta(seconds=120))
        assert acquire(daemon_db, "shop-a", "daemon-2", clock(), TTL)
        assert not keeper.still_held()
    with LeaseKeeper(daemon_db, "shop-a", "daemon-3", ttl=TTL, clock=clock, renew_every=0) as other:
        assert not other.acquired and not other.still_held()


def test_racing_holders_never_share_a_shop(daemon_db: sa.Engine, clock: FrozenClock) -> None:
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def contend(name: str) -> None:
        barrier.wait()
        if acquire(daemon_db, "shop-a", name, clock(), TTL) is not None:
            winners.append(name)

    threads = [threading.Thread(target=contend, args=(f"d{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    [info] = list_leases(daemon_db)
    assert info.holder == winners[0]


def test_on_postgresql_lease_expiry_follows_the_database_clock_not_the_hosts(
    pg_schema_url: str,
) -> None:
    from connector.clock import system_clock
    from connector.daemon import Daemon
    from connector.db import open_database
    from connector.lease import database_clock
    from connector.settings import Settings

    db = open_database(pg_schema_url)
    try:
        db_now = database_clock(db.engine)
        assert acquire(db.engine, "acme", "a", db_now(), timedelta(minutes=2)) is not None
        daemon = Daemon(Settings(shops=()), db, clock=system_clock, holder="c", outbox=object())
        # A production daemon reads the database's clock for leases, whatever its host says.
        assert daemon.lease_clock is not system_clock
        assert abs((daemon.lease_clock() - db_now()).total_seconds()) < 60
    finally:
        db.close()
