"""A capture interrupted after the call is never repeated: ``connector run --once`` is killed with
SIGKILL while Shopify (the sandbox) has taken the money but not yet answered. The next run finds
the ledger's recorded intent, reads the order's transactions, sees the capture, records it and
tells the customer, once; it sends no second ``orderCapture`` (``orderCapture`` has no
idempotency key in 2026-10, so the recorded intent and that read are what keep it single).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from connector.clock import FrozenClock
from connector.sandbox.seed import SeedSpec
from tests.notify.conftest import Inbox, smtp_server

__all__ = ["smtp_server"]  # the fixture, imported for this module's tests

ROOT = Path(__file__).resolve().parents[2]
LEASE = 5
"""Seconds a run's shop lease lasts (wall-clock time, shared by processes): the killed run's
runs out before the next run starts."""
SPEC = SeedSpec(
    seed=4, products=4, customers=3, orders=0, out_of_stock_share=1.0, continue_share=1.0
)

CONFIG = """
database_url = "sqlite:///{db}"

[[shops]]
name = "shop-s"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_TOKEN"
client_secret = "env:SHOP_SECRET"

[default_policy]
name = "backorders"
mode = "backorder"
lead_time_days = 10

[payments]
on_authorization_expiry = "capture"

[schedule]
lease_seconds = {lease}

[email]
transport = "smtp"
smtp_host = "127.0.0.1"
smtp_port = {port}
smtp_security = "none"
from_address = "hello@nordhem.example"
"""


def run_once(config: Path, env: dict[str, str], now: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "connector.cli.main", "--config", str(config), "run", "--once"],
        env={**env, "CONNECTOR_NOW": now},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_capture_killed_after_the_call_is_recorded_not_repeated(
    tmp_path: Path, smtp_server: tuple[Inbox, int]
) -> None:
    from connector.sandbox.shopify import ShopifySandbox

    inbox, port = smtp_server
    clock = FrozenClock(SPEC.start)
    with ShopifySandbox(SPEC, clock=clock, webhook_retry_delays=()) as store:
        waiting, shelf = [v.sku for v in store.data.variants.values() if v.tracked][:2]
        store.receive_stock(shelf, 3)
        order_id = store.place_order(
            "kim@example.com", [(waiting, 1), (shelf, 1)], financial="AUTHORIZED"
        )
        # Multi-capturable (Plus): after the waiting line's capture the shelf line's money is
        # still capturable, so a second capture would be accepted if the connector sent one.
        store.authorize(order_id, multi_capturable=True)
        placed = clock()
        config = tmp_path / "connector.toml"
        config.write_text(
            CONFIG.format(db=tmp_path / "state.db", url=store.base_url, port=port, lease=LEASE)
        )
        creds = store.credentials()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SHOP_TOKEN": creds["access_token"],
            "SHOP_SECRET": creds["client_secret"],
        }

        # Day 6: the capture runs in the shop, whose answer is held back; the run is killed.
        store.slow_answers.add("OrderCapture")
        store.faults.slow_seconds = 120.0
        moment = placed + timedelta(days=6, hours=1)
        clock.set(moment)
        process = run_once(config, env, moment.isoformat())
        for _ in range(1200):  # a safety bound, not a speed check: the capture shows up first
            if store.money(order_id)["captures"] or process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        assert len(store.money(order_id)["captures"]) == 1
        store.slow_answers.clear()
        assert inbox.by_recipient("kim@example.com") == []
        time.sleep(LEASE + 1)  # the dead run's lease runs out

        # Two more runs, past the dead run's lease: nothing taken again, the customer told once.
        for hours in (2, 3):
            moment = placed + timedelta(days=6, hours=hours)
            clock.set(moment)
            done = run_once(config, env, moment.isoformat())
            out, err = done.communicate(timeout=300)
            assert done.returncode == 0, err
        assert len(store.money(order_id)["captures"]) == 1
        mails = [
            m
            for m in inbox.by_recipient("kim@example.com")
            if m["X-Connector-Kind"] == "payment_captured"
        ]
        assert len(mails) == 1
        sent = [entry for entry in store.log.entries() if entry.operation == "OrderCapture"]
        assert len(sent) == 1, "one orderCapture request in all three runs"
