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
