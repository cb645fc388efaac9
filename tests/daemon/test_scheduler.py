"""The scheduler wrapper: right job options, failures isolated per shop, clean shutdown."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from connector.scheduler import Scheduler
from tests.daemon.conftest import started_jobs


def test_jobs_are_registered_per_shop_with_coalesce_single_instance_and_grace() -> None:
    scheduler = Scheduler(misfire_grace_seconds=45)
    scheduler.add_interval("shop-a", "cycle", lambda: None, seconds=300)
    scheduler.add_daily("shop-a", "digest", lambda: None, hour=8)
    scheduler.add_interval("shop-b", "outbox", lambda: None, seconds=60)
    jobs = started_jobs(scheduler)
    assert set(jobs) == {"shop-a:cycle", "shop-a:digest", "shop-b:outbox"}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 45
    assert "0:05:00" in jobs["shop-a:cycle"].trigger
    assert "hour='8'" in jobs["shop-a:digest"].trigger
    assert jobs["shop-b:outbox"].shop == "shop-b"


def test_a_failing_shop_does_not_stop_the_others() -> None:
    failures: list[tuple[str, str]] = []
    ran_b = threading.Semaphore(0)

    def broken() -> None:
        raise RuntimeError("shop A's credentials were revoked")

    scheduler = Scheduler(on_error=lambda shop, job, error: failures.append((shop, job)))
    now = datetime.now(UTC)
    scheduler.add_interval("shop-a", "cycle", broken, seconds=1, first_run=now)
    scheduler.add_interval("shop-b", "cycle", ran_b.release, seconds=1, first_run=now)
    scheduler.start()
    try:
        # shop B keeps running run after run while shop A fails every time.
        assert ran_b.acquire(timeout=10)
        assert ran_b.acquire(timeout=10)
    finally:
        scheduler.stop()
    assert ("shop-a", "cycle") in failures
    assert all(shop == "shop-a" for shop, _ in failures)


def test_stop_waits_for_the_unit_of_work_in_hand() -> None:
    scheduler = Scheduler()
    started = threading.Event()
    units: list[str] = []

    def long_job() -> None:
        started.set()
        for unit in range(1000):
            if scheduler.stopping.is_set():
                units.append("left cleanly")
                return
            time.sleep(0.01)
            units.append(f"unit {unit} done")

    scheduler.add_interval("shop-a", "cycle", long_job, seconds=60, first_run=datetime.now(UTC))
    scheduler.start()
    assert started.wait(timeout=10)
    scheduler.stop(wait=True)
    assert units[-1] == "left cleanly"
    assert all(u.endswith("done") for u in units[:-1])
    assert not scheduler.running


def test_sigterm_finishes_the_work_in_hand_and_exits_zero(tmp_path: Path) -> None:
    marker = tmp_path / "progress.txt"
    script = textwrap.dedent(
        f"""
        import time
        from datetime import UTC, datetime
        from pathlib import Path
        from connector.scheduler import Scheduler

        out = Path({str(marker)!r})
        scheduler = Scheduler()

        def job():
            out.write_text("started")
            while not scheduler.stopping.is_set():
                time.sleep(0.01)
            time.sleep(0.2)  # the rest of the unit of work
            out.write_text("finished")

        scheduler.add_interval("shop-a", "cycle", job, seconds=60, first_run=datetime.now(UTC))
        scheduler.run_until_stopped()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(500):
            if marker.exists():
                break
            time.sleep(0.02)
        assert marker.read_text() == "started"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert marker.read_text() == "finished"


def test_wake_runs_a_job_now_instead_of_at_its_next_tick() -> None:
    ran = threading.Event()
    scheduler = Scheduler()
    scheduler.add_interval("shop-a", "cycle", ran.set, seconds=3600)
    scheduler.start()
    try:
        assert not ran.is_set()
        assert scheduler.wake("shop-a", "cycle")
        assert ran.wait(timeout=10)
        assert not scheduler.wake("shop-b", "cycle")  # no such job: nothing to wake
    finally:
        scheduler.stop()
