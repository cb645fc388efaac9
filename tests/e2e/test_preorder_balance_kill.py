"""A balance collection interrupted after the call is never repeated: ``connector run --once`` is
killed with SIGKILL while Shopify (the sandbox) has charged the pre-order's balance but not yet
answered. The next run finds the ledger's intent, reads the order's balance, sees it paid,
records it, releases the hold and tells the customer, once; no second
``orderCreateMandatePayment`` is sent (and one would not charge again: same idempotency key).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from connector.clock import FrozenClock
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify.mandates import deferred_money, place_under_plans
from connector.sandbox.shopify.records import parse_gid
from tests.notify.conftest import Inbox, smtp_server

__all__ = ["smtp_server"]  # the fixture, imported for this module's tests

ROOT = Path(__file__).resolve().parents[2]
LEASE = 5
"""Seconds a run's shop lease lasts (wall-clock time, shared by processes)."""
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

[[policies]]
name = "lamp-launch"
mode = "preorder"
release_date = {release}
payment = "deposit"
deposit_percent = 20
[policies.match]
skus = ["{sku}"]

[default_policy]
name = "stop"
mode = "stop"

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


def test_a_balance_collection_killed_after_the_call_is_recorded_not_repeated(
    tmp_path: Path, smtp_server: tuple[Inbox, int]
) -> None:
    from connector.sandbox.shopify import ShopifySandbox

    inbox, port = smtp_server
    clock = FrozenClock(SPEC.start)
    with ShopifySandbox(SPEC, clock=clock, webhook_retry_delays=()) as store:
        lamp = sorted(v.sku for v in store.data.variants.values() if v.tracked)[0]
        price = Decimal(store.data.variant_by_sku(lamp).price)
        start = clock()
        release = (start + timedelta(days=10)).date()
        config = tmp_path / "connector.toml"
        config.write_text(
            CONFIG.format(
                db=tmp_path / "state.db",
                url=store.base_url,
                port=port,
                lease=LEASE,
                release=release.isoformat(),
                sku=lamp,
            )
        )
        creds = store.credentials()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SHOP_TOKEN": creds["access_token"],
            "SHOP_SECRET": creds["client_secret"],
        }

        def run(moment_days: float) -> None:
            moment = start + timedelta(days=moment_days)
            clock.set(moment)
            done = run_once(config, env, moment.isoformat())
            _, err = done.communicate(timeout=300)
            assert done.returncode == 0, err

        run(0.01)  # the selling plan group is made; the pre-order is bought under it
        order_id = place_under_plans(store.data, "kim@example.com", [(lamp, 1)])
        run(1)  # its line is held until the release
        store.receive_stock(lamp, 2)

        # Release day: the balance is charged in the shop, whose answer is held back; killed.
        store.slow_answers.add("OrderCreateMandatePayment")
        store.faults.slow_seconds = 120.0
        moment = start + timedelta(days=10, hours=1)
        clock.set(moment)
        process = run_once(config, env, moment.isoformat())
        for _ in range(1200):  # a safety bound, not a speed check: the payment shows up first
            if deferred_money(store.data, order_id)["outstanding"] == "0.00":
                break
            if process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        store.slow_answers.clear()
        assert deferred_money(store.data, order_id)["outstanding"] == "0.00"
        assert not [
            m for m in inbox.by_recipient("kim@example.com") if "balance" in m["X-Connector-Kind"]
        ]
        time.sleep(LEASE + 1)  # the dead run's lease runs out

        run(10.2)
        run(10.3)
        money = deferred_money(store.data, order_id)
        deposit = (price * Decimal("0.2")).quantize(Decimal("0.01"))
        assert money["sales"] == [f"{deposit:.2f}", f"{price - deposit:.2f}"]
        assert money["mandate_calls"] == 1
        sent = [e for e in store.log.entries() if e.operation == "OrderCreateMandatePayment"]
        assert len(sent) == 1, "one orderCreateMandatePayment request in all runs"
        mails = [
            m
            for m in inbox.by_recipient("kim@example.com")
            if m["X-Connector-Kind"] == "balance_charged"
        ]
        assert len(mails) == 1
        ref = parse_gid(order_id, "Order")
        assert ref is not None
        order = store.data.orders[ref[1]]
        assert all(store.data.fulfillment_orders[f].status != "ON_HOLD" for f in order.fo_ids)
