"""The daemon runtime: its jobs as the scheduler sees them, the digest, run history upkeep."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from connector.clock import FrozenClock
from connector.cycle import CycleReport, record_run
from connector.daemon import OUTBOX_JOB_SHOP, Daemon, build_digest
from connector.daemon_schema import cycle_runs
from connector.db import Database
from connector.model import BackorderEvent, BackorderEventKind, NotificationKind, Platform
from connector.scheduler import Scheduler
from connector.settings import ScheduleSettings, Secret, Settings, ShopSettings
from tests.daemon.conftest import started_jobs

SHOPS = (
    ShopSettings(
        name="acme",
        platform=Platform.SHOPIFY,
        url="https://acme.myshopify.com",
        timezone="Europe/Stockholm",
    ),
    ShopSettings(
        name="outlet",
        platform=Platform.WOOCOMMERCE,
        url="https://outlet.example.com",
        consumer_key=Secret("ck_x"),
    ),
    ShopSettings(
        name="paused", platform=Platform.SHOPIFY, url="https://p.myshopify.com", enabled=False
    ),
)


def test_every_enabled_shop_gets_its_jobs_with_the_configured_timing(
    database: Database, clock: FrozenClock
) -> None:
    settings = Settings(
        shops=SHOPS,
        schedule=ScheduleSettings(
            sync_interval_minutes=5,
            promise_check_minutes=60,
            digest_hour=7,
            misfire_grace_seconds=90,
        ),
    )
    daemon = Daemon(settings, database, clock=clock, callback_base="https://connector.example.com/")
    scheduler = Scheduler(misfire_grace_seconds=settings.schedule.misfire_grace_seconds)
    jobs = started_jobs(scheduler, daemon)
    assert set(jobs) == {
        "acme:cycle",
        "acme:promise",
        "acme:webhooks",
        "acme:digest",
        "outlet:cycle",
        "outlet:promise",
        "outlet:webhooks",
        "outlet:digest",
        f"{OUTBOX_JOB_SHOP}:outbox",
    }
    assert "0:05:00" in jobs["acme:cycle"].trigger
    assert "1:00:00" in jobs["outlet:promise"].trigger
    assert "1 day" in jobs["acme:webhooks"].trigger
    assert "hour='7'" in jobs["outlet:digest"].trigger
    morning = jobs["acme:digest"].next_run  # seven in the owner's own morning
    assert morning is not None and morning.hour == 7 and str(morning.tzinfo) == "Europe/Stockholm"
    assert "0:01:00" in jobs["*:outbox"].trigger
    assert all(
        j.coalesce and j.max_instances == 1 and j.misfire_grace_time == 90 for j in jobs.values()
    )


def test_digest_tells_the_owner_what_happened_yesterday_once(clock: FrozenClock) -> None:
    shop = SHOPS[0]
    events = [
        BackorderEvent(
            "acme", clock(), BackorderEventKind.DETECTED, "SOFA-1", 2, eta=date(2026, 12, 1)
        ),
        BackorderEvent(
            "acme",
            clock(),
            BackorderEventKind.DELAYED,
            "LAMP-2",
            1,
            eta=date(2026, 12, 20),
            old_eta=date(2026, 12, 5),
        ),
        BackorderEvent("acme", clock(), BackorderEventKind.SOLD_OUT, "MUG-3", 0),
        BackorderEvent("acme", clock(), BackorderEventKind.ALLOCATED, "SOFA-1", 2),
    ]
    digest = build_digest(shop, "owner@acme.example", events, clock())
    assert digest is not None and digest.kind is NotificationKind.DIGEST
    assert [(line.sku, line.quantity, line.old_eta) for line in digest.lines] == [
        ("SOFA-1", 2, None),
        ("LAMP-2", 1, date(2026, 12, 5)),
        ("MUG-3", 0, None),
    ]
    assert digest.email == "owner@acme.example"
    # The outbox key holds the day: the same day's digest is one message, tomorrow's another.
    again = build_digest(shop, "owner@acme.example", events, clock() + timedelta(hours=3))
    assert again is not None and again.idempotency_key == digest.idempotency_key
    assert build_digest(shop, "owner@acme.example", [events[-1]], clock()) is None


def test_run_history_keeps_thirty_days(database: Database, clock: FrozenClock) -> None:
    for days_ago in (45, 31, 29, 1, 0):
        start = clock() - timedelta(days=days_ago)
        record_run(database.engine, CycleReport(shop="acme", started_at=start, finished_at=start))
    with database.engine.connect() as conn:
        kept = conn.execute(sa.select(sa.func.count()).select_from(cycle_runs)).scalar()
    assert kept == 3


def test_old_webhook_keys_and_finished_resyncs_are_pruned_with_the_run_history(
    database: Database, clock: FrozenClock
) -> None:
    from connector.daemon_schema import resync_requests, webhook_deliveries
    from connector.platform import ResyncTarget
    from connector.resync_queue import MAX_ATTEMPTS, enqueue_resync, resync_done

    now = clock()
    with database.engine.begin() as conn:
        for key, days in (("old", 8), ("recent", 6)):
            conn.execute(
                webhook_deliveries.insert().values(
                    shop="acme",
                    dedupe_key=key,
                    topic="orders/create",
                    received_at=now - timedelta(days=days),
                )
            )
        done_long_ago = enqueue_resync(
            conn, "acme", ResyncTarget(skus=("A",)), source="cli", now=now - timedelta(days=9)
        )
        waiting_long = enqueue_resync(
            conn, "acme", ResyncTarget(skus=("B",)), source="cli", now=now - timedelta(days=9)
        )
        done_recently = enqueue_resync(
            conn, "acme", ResyncTarget(skus=("C",)), source="cli", now=now - timedelta(days=1)
        )
        given_up = enqueue_resync(
            conn, "acme", ResyncTarget(skus=("D",)), source="cli", now=now - timedelta(days=9)
        )
        conn.execute(
            resync_requests.update()
            .where(resync_requests.c.id == given_up)
            .values(attempts=MAX_ATTEMPTS)
        )
    resync_done(database.engine, [done_long_ago], now - timedelta(days=8))
    resync_done(database.engine, [done_recently], now - timedelta(days=1))
    record_run(database.engine, CycleReport(shop="acme", started_at=now, finished_at=now))
    with database.engine.connect() as conn:
        keys = set(conn.execute(sa.select(webhook_deliveries.c.dedupe_key)).scalars())
        left = set(conn.execute(sa.select(resync_requests.c.id)).scalars())
    assert keys == {"recent"}
    # A request still waiting is never dropped, however old: it has not been served yet.
    assert left == {waiting_long, done_recently}
