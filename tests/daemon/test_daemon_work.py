"""The daemon's units of work on one shop: never two at once, the digest once a day, failures kept."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.daemon_schema import cycle_runs
from connector.db import Database
from connector.errors import RetryableError
from connector.lease import acquire
from connector.model import (
    BackorderEvent,
    BackorderEventKind,
    Notification,
    Plan,
)
from connector.settings import EmailSettings, Settings, ShopSettings
from tests.daemon.conftest import started_jobs
from tests.daemon.test_cycle import SHOP, FakeShop, planner

STOCKHOLM = ShopSettings(
    name="acme",
    platform="shopify",  # type: ignore[arg-type]
    url="https://acme.myshopify.com",
    timezone="Europe/Stockholm",
)


class Outbox:
    def __init__(self) -> None:
        self.queued: dict[str, Notification] = {}

    def enqueue(self, notifications: Iterable[Notification], shop: ShopSettings) -> int:
        fresh = [n for n in notifications if n.idempotency_key not in self.queued]
        self.queued.update((n.idempotency_key, n) for n in fresh)
        return len(fresh)


def make_daemon(
    database: Database, clock: FrozenClock, *, owner: str = "", **kwargs: object
) -> Daemon:
    settings = Settings(shops=(STOCKHOLM,), email=EmailSettings(owner_email=owner))
    options: dict[str, object] = {
        "adapters": {"acme": FakeShop()},
        "planner": planner,
        "outbox": Outbox(),
        "renew_every": 0,
        "holder": "this-daemon",
        **kwargs,
    }
    return Daemon(settings, database, clock=clock, **options)  # type: ignore[arg-type]


def test_a_shops_cycle_and_promise_check_never_run_at_once(
    database: Database, clock: FrozenClock
) -> None:
    inside = 0
    most = 0
    guard = threading.Lock()
    second_in = threading.Event()
    first_in = threading.Event()

    def watched(db: Database, settings: Settings, shop: str, now: datetime) -> Plan:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
            if first_in.is_set():
                second_in.set()
        first_in.set()
        # The first job waits here for the second to come in: it may only once the first is done.
        second_in.wait(timeout=1.0)
        with guard:
            inside -= 1
        return planner(db, settings, shop, now)

    daemon = make_daemon(database, clock, planner=watched)
    cycle = threading.Thread(target=daemon.work_shop, args=("acme",))
    cycle.start()
    assert first_in.wait(timeout=10)
    promise = threading.Thread(target=daemon.promise_check, args=("acme",))
    promise.start()
    cycle.join(timeout=30)
    promise.join(timeout=30)
    assert most == 1
    with database.engine.connect() as conn:
        kinds = sorted(conn.execute(sa.select(cycle_runs.c.kind)).scalars())
    assert kinds == ["cycle", "promise"]  # both ran, one after the other


def _events(clock: FrozenClock) -> list[BackorderEvent]:
    return [
        BackorderEvent(
            "acme", clock(), BackorderEventKind.DETECTED, "SOFA-1", 2, "o1", "l1", eta=None
        ),
    ]


def test_no_digest_when_no_owner_address_is_configured(
    database: Database, clock: FrozenClock
) -> None:
    daemon = make_daemon(database, clock, owner="")
    database.append_events(_events(clock))
    assert daemon.send_digest("acme") == 0
    assert daemon.outbox.queued == {}


def test_the_digest_is_dated_in_the_shops_own_day_and_sent_once(
    database: Database, clock: FrozenClock
) -> None:
    database.append_events(_events(clock))
    late = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # already the 21st in Stockholm
    clock.set(late)
    first = make_daemon(database, clock, owner="owner@acme.example")
    assert first.send_digest("acme") == 1
    (digest,) = first.outbox.queued.values()
    assert digest.promised_date == date(2026, 11, 21)
    # Another event and a second build the same local day: the same outbox key, so one email.
    database.append_events([BackorderEvent("acme", late, BackorderEventKind.SOLD_OUT, "MUG-3", 0)])
    assert first.send_digest("acme") == 0


def test_the_digest_is_built_only_by_the_daemon_holding_the_shop(
    database: Database, clock: FrozenClock
) -> None:
    database.append_events(_events(clock))
    acquire(database.engine, "acme", "other-daemon", clock(), timedelta(minutes=2))
    daemon = make_daemon(database, clock, owner="owner@acme.example")
    assert daemon.send_digest("acme") == 0
    assert daemon.outbox.queued == {}


def test_a_failed_cycle_is_recorded_with_what_it_wrote_before_failing(
    database: Database, clock: FrozenClock
) -> None:
    fake = FakeShop()
    daemon = make_daemon(database, clock, adapters={"acme": fake})

    def broken_reread(target: object) -> object:
        raise RetryableError(
            "HTTP 502 from https://acme.myshopify.com/?access_token=shpat_abcdef123456"
        )

    fake.fetch = broken_reread  # type: ignore[method-assign,assignment]
    reports = daemon.run_once(deliver=False)
    report = reports["acme"]
    assert report is not None and not report.ok
    assert report.finished_at is not None
    assert [r.status.value for r in report.storefront_results] == ["done"]
    assert "shpat_abcdef" not in report.error and "RetryableError" in report.error
    with database.engine.connect() as conn:
        (run,) = conn.execute(sa.select(cycle_runs)).all()
    assert not run.ok and "shpat_abcdef" not in run.error and "HTTP 502" in run.error
    assert '"done": 1' in run.summary  # the status shows the write that did happen


def test_the_scheduler_places_first_runs_on_its_own_clock(database: Database) -> None:
    from connector.scheduler import Scheduler

    wall = FrozenClock(datetime(2030, 1, 1, 12, 0, tzinfo=UTC))
    daemon = make_daemon(database, FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)))
    scheduler = Scheduler(clock=wall)
    jobs = started_jobs(scheduler, daemon)
    first = jobs["acme:cycle"].next_run
    assert first is not None and first.astimezone(UTC) == wall()


@pytest.fixture(autouse=True)
def _shop_is_the_fake_one() -> None:
    assert SHOP.name == STOCKHOLM.name
