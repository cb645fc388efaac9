"""The authorization watchdog against the Shopify sandbox, with real cycles and a real SMTP server.

Issue 15's scenario: an order waits 10 days past a 7-day card authorization. Under
``on_authorization_expiry = "capture"`` (margin 1 day) the waiting line's amount is captured on
day 6 and the customer is told once; under ``notify_owner`` no money moves and the owner sees
it; under ``ask_customer`` Shopify's invoice goes out once the authorization is in the margin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from connector.cli.main import cli as main_cli
from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.demo import DemoShop, demo_settings
from connector.model import Platform
from connector.payments_watch import watch_rows
from connector.sandbox.seed import SeedSpec
from connector.settings import PaymentSettings, PolicyMode, PolicySettings
from tests.notify.conftest import Inbox, smtp_server, smtp_settings

__all__ = ["smtp_server"]  # the fixture, imported for this module's tests

SPEC = SeedSpec(
    seed=4, products=4, customers=3, orders=0, out_of_stock_share=1.0, continue_share=1.0
)


def rig(tmp_path: Path, smtp: tuple[Inbox, int], policy: str) -> SimpleNamespace:
    from connector.sandbox.shopify import ShopifySandbox

    clock = FrozenClock(SPEC.start)
    store = ShopifySandbox(SPEC, clock=clock, webhook_retry_delays=()).start()
    settings = demo_settings(
        [DemoShop("shop-s", Platform.SHOPIFY, store)], "sqlite://", tmp_path / "outbox"
    )
    settings = replace(
        settings,
        email=smtp_settings(smtp[1], owner_email="owner@nordhem.example"),
        policies=(),
        # No purchase order: the line waits the 10-day lead time, past the 7-day authorization.
        default_policy=PolicySettings(
            name="backorders", mode=PolicyMode.BACKORDER, lead_time_days=10
        ),
        payments=PaymentSettings(on_authorization_expiry=policy),  # type: ignore[arg-type]
    )
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    skus = [v.sku for v in store.data.variants.values() if v.tracked]
    waiting_sku, shelf_sku = skus[0], skus[1]
    store.receive_stock(shelf_sku, 5)
    order_id = store.place_order(
        "kim@example.com",
        [(waiting_sku, 1), (shelf_sku, 1)],
        name="Kim Waits",
        financial="AUTHORIZED",
    )
    auth = store.authorize(order_id, multi_capturable=True)  # Plus: partial captures allowed
    waiting_price = Decimal(store.data.variant_by_sku(waiting_sku).price)
    return SimpleNamespace(
        store=store,
        db=db,
        daemon=daemon,
        clock=clock,
        inbox=smtp[0],
        order_id=order_id,
        auth=auth,
        waiting_price=waiting_price,
        placed=clock(),
        tmp_path=tmp_path,
    )


@pytest.fixture
def make(tmp_path: Path, smtp_server: tuple[Inbox, int]) -> Iterator[object]:
    made: list[SimpleNamespace] = []

    def build(policy: str) -> SimpleNamespace:
        made.append(rig(tmp_path, smtp_server, policy))
        return made[-1]

    yield build
    for live in made:
        live.daemon.close()
        live.db.close()
        live.store.stop()


def day(live: SimpleNamespace, number: float) -> None:
    """Move to ``number`` days after the order and run a cycle (and deliver the outbox)."""
    live.clock.set(live.placed + timedelta(days=number))
    live.daemon.run_once(deliver=True)


def payment_mails(live: SimpleNamespace) -> list[str]:
    return [
        m.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for m in live.inbox.by_recipient("kim@example.com")
        if m["X-Connector-Kind"] == "payment_captured"
    ]


def test_a_7_day_authorization_is_captured_on_day_6_and_the_customer_told_once(make) -> None:  # type: ignore[no-untyped-def]
    live = make("capture")
    for number in (0.01, 1, 3, 5, 5.9):
        day(live, number)
        assert live.store.money(live.order_id)["captures"] == [], f"nothing taken on day {number}"
    (row,) = watch_rows(live.db.engine, "shop-s")
    assert (row.stage, row.action) == ("watch", "wait")

    day(live, 6)
    money = live.store.money(live.order_id)
    # Only the waiting line's price; the shelf line's money stays authorized for its own capture.
    assert money["captures"] == [f"{live.waiting_price:.2f}"]
    assert money["financial"] == "PARTIALLY_PAID"

    for number in (6.5, 7, 8, 10):
        day(live, number)
    assert live.store.money(live.order_id)["captures"] == [f"{live.waiting_price:.2f}"]
    (text,) = payment_mails(live)
    assert f"${live.waiting_price:,.2f}" in text
    assert "your card was only reserved" in text


def cli(live: SimpleNamespace, *args: str) -> str:
    """A read-only command on the daemon's database, as the owner would run it."""
    config = live.tmp_path / "connector.toml"
    config.write_text(
        f'database_url = "sqlite:///{live.tmp_path / "state.db"}"\n'
        f'[[shops]]\nname = "shop-s"\nplatform = "shopify"\nurl = "{live.store.base_url}"\n'
        'access_token = "env:MONEY_TEST_TOKEN"\n'
    )
    result = CliRunner(env={"MONEY_TEST_TOKEN": "shpat_x"}).invoke(
        main_cli, ["--config", str(config), "--now", live.clock().isoformat(), *args]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_notify_owner_moves_no_money_and_shows_the_risk_everywhere(make) -> None:  # type: ignore[no-untyped-def]
    live = make("notify_owner")
    day(live, 6)
    assert live.store.money(live.order_id)["captures"] == []
    seen = f"card authorization expires {(live.placed + timedelta(days=7)):%Y-%m-%d %H:%M} UTC"
    for command in (("backorders",), ("report",), ("status",)):
        out = cli(live, *command)
        assert seen in out and "#1001" in out, (command, out)
        assert f"{live.waiting_price:.2f} USD to collect" in out
    assert "the owner decides" in cli(live, "backorders")
    assert "card authorizations at risk: 1 (0 expired uncaptured)" in cli(live, "report")
    live.daemon.send_digest("shop-s")
    live.daemon.deliver_outbox()
    (digest,) = live.inbox.by_recipient("owner@nordhem.example")
    assert "1 card payments at risk" in str(digest["Subject"])
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Order #1001: ${live.waiting_price:,.2f}, expires" in text

    day(live, 8)
    assert live.store.money(live.order_id)["captures"] == []
    assert payment_mails(live) == []
    (row,) = watch_rows(live.db.engine, "shop-s")
    assert (row.stage, row.action) == ("expired", "tell_owner")
    assert "expired uncaptured" in cli(live, "status")


def test_ask_customer_sends_shopifys_invoice_once(make) -> None:  # type: ignore[no-untyped-def]
    live = make("ask_customer")
    day(live, 5)
    assert live.store.money(live.order_id)["invoices"] == []
    day(live, 6)
    day(live, 8)
    assert live.store.money(live.order_id)["invoices"] == ["kim@example.com"]
    assert live.store.money(live.order_id)["captures"] == []


def test_authorizations_are_read_at_most_every_check_interval(make) -> None:  # type: ignore[no-untyped-def]
    live = make("notify_owner")

    def reads() -> int:
        return sum(1 for e in live.store.log.entries() if e.operation == "OrderTransactions")

    day(live, 1)
    first = reads()
    assert first == 1
    day(live, 1 + 10 / 1440)  # ten minutes later: the next cycle reads nothing
    assert reads() == first
    day(live, 1 + 61 / 1440)  # past check_every_minutes (60)
    assert reads() == first + 1


def test_a_capture_refused_before_it_ran_is_sent_again_once_and_told_once(make) -> None:  # type: ignore[no-untyped-def]
    live = make("capture")
    day(live, 5)
    live.store.fail_operations["OrderCapture"] = "500"  # Shopify answers 500 before running it
    day(live, 6)
    assert live.store.money(live.order_id)["captures"] == []
    day(live, 6 + 10 / 1440)  # the next cycle reads it back, finds nothing taken, sends it again
    assert live.store.money(live.order_id)["captures"] == [f"{live.waiting_price:.2f}"]
    day(live, 6 + 20 / 1440)
    day(live, 7)
    sent = [e for e in live.store.log.entries() if e.operation == "OrderCapture"]
    assert len(sent) == 1, "one capture answered; the 500 never reached the executor"
    assert len(payment_mails(live)) == 1
