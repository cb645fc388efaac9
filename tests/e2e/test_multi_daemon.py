"""Three daemon processes, one PostgreSQL: no shop worked twice at once, nothing sent or written twice,
and killing one loses nothing."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connector.clock import FrozenClock, system_clock
from connector.daemon_schema import leases, resync_requests
from connector.db import open_database
from connector.model import PurchaseOrder
from connector.sandbox.seed import demo_spec

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
CYCLES = 200


def _journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _overlaps(entries: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    clashes = []
    by_shop: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if "work" in entry:
            by_shop.setdefault(entry["work"], []).append(entry)
    for runs in by_shop.values():
        runs.sort(key=lambda e: e["start"])
        for before, after in itertools.pairwise(runs):
            if after["start"] < before["end"] and after["worker"] != before["worker"]:
                clashes.append((before, after))
    return clashes


@pytest.mark.slow
@pytest.mark.postgres
def test_three_daemons_share_two_shops_safely(pg_schema_url: str, tmp_path: Path) -> None:
    from connector.sandbox.shopify import ShopifySandbox
    from connector.sandbox.woocommerce import WooCommerceSandbox

    # The daemons are processes on the system clock: the shops' day must be theirs too (a shop
    # frozen on demo_spec's date would sell in the daemons' past or future as the calendar moves).
    spec = replace(demo_spec(), start=system_clock().replace(microsecond=0) - timedelta(days=1))
    clock = FrozenClock(spec.start)
    stores = {
        # A Plus-plan bucket: three daemons polling every few milliseconds share one app bucket.
        "nordhem-shopify": ShopifySandbox(spec, clock=clock, restore_rate=1000).start(),
        "nordhem-woo": WooCommerceSandbox(spec, clock=clock).start(),
    }
    db = open_database(pg_schema_url)
    today = system_clock().date()
    from connector.demo import backordered_skus

    skus = backordered_skus(spec)
    for shop in stores:
        db.add_purchase_order(
            PurchaseOrder("PO-1", shop, skus[0], 500, today + timedelta(days=10), "Nordhus")
        )
    journal = tmp_path / "journal.jsonl"
    config = {
        "database_url": pg_schema_url,
        "journal": str(journal),
        "outbox": str(tmp_path / "outbox"),
        "stop_file": str(tmp_path / "stop"),
        "lease_seconds": LEASE_SECONDS,
        "pause": 0.01,
        "shops": [
            {
                "name": name,
                "platform": "shopify" if "shopify" in name else "woocommerce",
                "url": store.base_url,
                "credentials": dict(store.credentials()),
            }
            for name, store in stores.items()
        ],
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.worker", str(tmp_path / "config.json"), name],
            cwd=ROOT,
            env=env,
        )
        for name in ("daemon-1", "daemon-2", "daemon-3")
    }
    placed: dict[str, list[str]] = {shop: [] for shop in stores}
    try:
        # Customers keep ordering while the daemons work; one daemon dies half-way.
        killed = None
        killed_at = 0.0
        step = -1
        # Runs until the daemons have done CYCLES cycles, however long that takes this machine:
        # the bound only stops a stalled run (a loaded CI machine once needed more than 40 s, and
        # a machine shared by nine test runs more than 150 s).
        run_until = time.monotonic() + 480
        while time.monotonic() < run_until and (
            step < 12 or len([e for e in _journal(journal) if "work" in e]) < CYCLES
        ):
            step += 1
            clock.advance(timedelta(minutes=7))
            for shop, store in stores.items():
                # A refused checkout (sold out) is what a customer would see; carry on.
                with contextlib.suppress(ValueError):
                    placed[shop].append(
                        store.place_order(
                            f"customer{step}@example.com", [(skus[0], 1)], locale="sv"
                        )
                    )
            with db.engine.connect() as conn:
                holders = Counter(conn.execute(sa.select(leases.c.holder)).scalars())
            if killed is None and step >= 6 and holders:
                killed = holders.most_common(1)[0][0]
                killed_at = time.time()
                workers[killed].send_signal(signal.SIGKILL)
                workers[killed].wait(timeout=10)
            time.sleep(0.3)
        # Let the survivors take the dead daemon's shops over and settle.
        deadline = time.monotonic() + 30
        settled = False
        while time.monotonic() < deadline and not settled:
            time.sleep(1)
            settled = all(
                db.order(shop, order_id) is not None for shop in stores for order_id in placed[shop]
            ) and _outbox_idle(db.engine, statuses=("pending",))
        (tmp_path / "stop").touch()
        for name, process in workers.items():
            if name != killed:
                assert process.wait(timeout=30) == 0
    finally:
        (tmp_path / "stop").touch()
        for process in workers.values():
            if process.poll() is None:
                process.kill()
        for store in stores.values():
            store.stop()

    entries = _journal(journal)
    cycles = [e for e in entries if "work" in e]
    assert len(cycles) >= CYCLES, f"only {len(cycles)} cycles ran"
    assert _overlaps(entries) == []
    sent = Counter(e["sent"] for e in entries if "sent" in e)
    assert sent and max(sent.values()) == 1, "an email was sent twice"
    done = Counter(e["done"] for e in entries if "done" in e)
    once_only = {k: n for k, n in done.items() if ":hold_lines:" in k or ":add_note:" in k}
    assert all(n == 1 for n in once_only.values()), f"a write was applied twice: {once_only}"
    # Killing one lost nothing: every order is in the database, no resync or email is stranded.
    for shop in stores:
        for order_id in placed[shop]:
            assert db.order(shop, order_id) is not None, f"{shop} order {order_id} was lost"
    with db.engine.connect() as conn:
        stranded = conn.execute(
            sa.select(sa.func.count()).where(resync_requests.c.done_at.is_(None))
        ).scalar()
    assert stranded == 0
    # A message the dead daemon had claimed stays "sending" until the outbox's stale window has
    # passed; then the next delivery finds out whether it went out (its file) before sending again.
    from connector.notify.outbox import Outbox
    from connector.notify.transports import FolderTransport

    outbox = Outbox(db.engine, system_clock)
    later = system_clock() + timedelta(minutes=10)
    report = outbox.deliver(FolderTransport(tmp_path / "outbox"), now=later)
    assert _outbox_idle(db.engine), report
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == len(sent) + report.sent
    # The survivors did take the dead daemon's shops over.
    for shop in stores:
        assert any(
            e["work"] == shop and e["worker"] != killed and e["start"] > killed_at for e in cycles
        ), f"nobody took {shop} over from {killed}"
    db.close()


def _outbox_idle(engine: sa.Engine, statuses: tuple[str, ...] = ("pending", "sending")) -> bool:
    from connector.notify.tables import outbox_messages as messages

    with engine.connect() as conn:
        waiting = conn.execute(
            sa.select(sa.func.count()).where(messages.c.status.in_(statuses))
        ).scalar()
    return waiting == 0
