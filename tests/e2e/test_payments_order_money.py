"""An order's money as support reads it in ``connector order N`` (text and ``--json``), and what
the watchdog captures from a taxed order with shipping, against the Shopify sandbox with real
cycles and a real SMTP server (issue 15's loose ends).

How the amount is counted (docs/payments.md): the waiting lines' price times their waiting units
plus those units' share of the lines' taxes, plus the order's shipping with its tax when nothing
has been taken from the order yet (shipping goes with the first capture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from connector.cli.main import cli as main_cli
from tests.e2e.test_payments_watchdog import day, payment_mails, rig
from tests.notify.conftest import Inbox, smtp_server

__all__ = ["smtp_server"]  # the fixture, imported for this module's tests

RATE = Decimal("0.25")
SHIPPING = Decimal("40.00")
CENT = Decimal("0.01")


@pytest.fixture
def make(tmp_path: Path, smtp_server: tuple[Inbox, int]) -> Iterator[object]:
    made: list[SimpleNamespace] = []

    def build(policy: str, *, taxed: bool = True, terms: bool = False) -> SimpleNamespace:
        live = rig(tmp_path, smtp_server, policy)
        live.policy = policy
        if taxed:  # the checkout taxes, adds shipping, then authorizes its total
            live.store.tax_order(live.order_id, RATE, shipping=SHIPPING)
            live.auth = live.store.authorize(live.order_id, multi_capturable=True)
        if terms:
            live.schedule = live.store.give_payment_terms(live.order_id)
        made.append(live)
        return live

    yield build
    for live in made:
        live.daemon.close()
        live.db.close()
        live.store.stop()


def cli(live: SimpleNamespace, *args: str, shop_payments: str = "") -> str:
    """A read-only command on the daemon's database, with the daemon's ``[payments]`` policy."""
    config = live.tmp_path / "connector.toml"
    config.write_text(
        f'database_url = "sqlite:///{live.tmp_path / "state.db"}"\n'
        f'[payments]\non_authorization_expiry = "{live.policy}"\n'
        f'[[shops]]\nname = "shop-s"\nplatform = "shopify"\nurl = "{live.store.base_url}"\n'
        'access_token = "env:MONEY_TEST_TOKEN"\n' + shop_payments
    )
    result = CliRunner(env={"MONEY_TEST_TOKEN": "shpat_x"}).invoke(
        main_cli, ["--config", str(config), "--now", live.clock().isoformat(), *args]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_taxed_orders_capture_takes_the_waiting_line_with_its_tax_and_the_shipping(make) -> None:  # type: ignore[no-untyped-def]
    live = make("capture")
    tax = (live.waiting_price * RATE).quantize(CENT)
    expected = live.waiting_price + tax + SHIPPING + SHIPPING * RATE
    total = Decimal(live.store.money(live.order_id)["total"])
    assert expected < total  # the shelf line (and its tax) stay authorized for their own capture

    day(live, 6)
    assert live.store.money(live.order_id)["captures"] == [f"{expected:.2f}"]
    (text,) = payment_mails(live)
    assert f"${expected:,.2f}" in text  # the customer reads what was charged, tax and shipping in

    shown = cli(live, "order", "#1001")
    assert "on_authorization_expiry = capture" in shown
    assert f"captured {expected:,.2f} USD, capturable {total - expected:,.2f} USD" in shown
    assert f"watchdog: captured {expected:,.2f} USD before the expiry" in shown
    data = json.loads(cli(live, "order", "#1001", "--json"))["money"]
    (auth,) = data["authorizations"]
    assert (auth["amount"], auth["captured"]) == (f"{total:.2f}", f"{expected:.2f}")
    assert data["financial_status"] == "PARTIALLY_PAID"
    assert data["received"] == f"{expected:.2f}"


def test_the_order_shows_its_authorization_and_when_the_watchdog_will_act(make) -> None:  # type: ignore[no-untyped-def]
    live = make("capture")
    day(live, 1)
    shown = cli(live, "order", "#1001")
    placed = live.placed
    expires = f"{placed + timedelta(days=7):%Y-%m-%d %H:%M} UTC"
    assert f"expires {expires}; captured 0.00 USD, capturable" in shown
    assert "it captures the waiting lines' amount" in shown
    assert "nothing taken" in shown
    data = json.loads(cli(live, "order", "#1001", "--json"))["money"]
    (auth,) = data["authorizations"]
    assert auth["captured"] == "0.00" and auth["act_at"].startswith(
        f"{placed + timedelta(days=6):%Y-%m-%d}"
    )
    assert data["policy"] == "capture"


def test_ask_customer_reminds_an_order_with_payment_terms_and_invoices_one_without(make) -> None:  # type: ignore[no-untyped-def]
    live = make("ask_customer", terms=True)
    day(live, 5)
    assert live.store.money(live.order_id)["reminders"] == []
    for number in (6, 6.5, 8):
        day(live, number)
    money = live.store.money(live.order_id)
    assert money["reminders"] == ["kim@example.com"]  # once, for its unpaid schedule
    assert money["invoices"] == [] and money["captures"] == []
    assert "payment reminder sent" in cli(live, "order", "#1001")
    assert "payment reminder sent" in cli(live, "backorders")


def test_a_refund_shows_under_the_orders_money(make) -> None:  # type: ignore[no-untyped-def]
    live = make("notify_owner", taxed=False)
    day(live, 1)
    number = int(live.order_id.rsplit("/", 1)[1])
    order = live.store.data.orders[number]
    shelf = live.store.data.lines[order.line_ids[1]]
    live.store.refund_order_line(live.order_id, shelf.sku, 1)
    day(live, 1.1)
    shown = cli(live, "order", "#1001")
    assert f"refunded {Decimal(shelf.price):,.2f} USD for {shelf.sku} ({shelf.title})" in shown
    (refund,) = json.loads(cli(live, "order", "#1001", "--json"))["money"]["refunds"]
    assert refund["amount"] == f"{Decimal(shelf.price):.2f}"
