"""`connector report` tells the owner what customers chose on their order pages over the report's
window (issue 14): delay consents given, cancels by customers and at an FTC deadline, refunds the
gateway paid and those the owner pays by hand, cancels awaiting approval. On the WooCommerce
sandbox over real HTTP, the choices made through the page, read back through the real CLI."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.model import Money
from connector.notify.formatting import format_money
from connector.web.customer_cancel import cancels_for, request_cancel
from connector.web.customer_consent import SOURCE as DEADLINE
from connector.web.tables import CancelState
from tests.web.test_customer_cancel import Shop, _shop

FTC = 'delay_consent = "ftc"\n'


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    yield from _shop(tmp_path, monkeypatch, FTC)


def _post(shop: Shop, order_id: str, suffix: str, times: int = 1) -> None:
    """Press the page's button whose form posts to ``suffix``, as a browser would (``times``:
    a double click, or a reload of the POST)."""
    _, page = shop.page(order_id)
    forms = re.findall(
        r'<form method="post" action="([^"]+)"><input type="hidden" name="form" '
        r'value="([^"]+)">',
        page,
    )
    [(action, field)] = [(a, f) for a, f in forms if a.endswith(suffix)]
    for _ in range(times):
        answer = shop.client.post(
            f"/orders/{html_lib.unescape(action)}", data={"form": html_lib.unescape(field)}
        )
        assert answer.status_code == 303


def _report(shop: Shop, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    now = shop.clock().isoformat()
    assert main(["--config", str(shop.config), "--now", now, "report", *args]) == 0
    return capsys.readouterr().out


def _orders(shop: Shop) -> list[str]:
    return list(dict.fromkeys(e.order_id for e in shop.db.queue("outlet") if e.waiting))


def test_the_report_shows_the_customers_choices_of_its_window(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    before = json.loads(_report(shop, capsys, "--json", "--shop", "outlet"))["choices"]
    assert before["kept_waiting"] == before["customer_cancels"] == 0
    assert "customers' choices" not in _report(shop, capsys)  # nothing chosen: no section

    orders = _orders(shop)
    assert len(orders) >= 5, "the demo shop has enough waiting orders for every choice"
    paid, by_hand, kept, awaiting, silent = orders[:5]
    _post(shop, kept, "/keep-waiting", times=2)  # a double click: one order kept waiting
    _post(shop, paid, "/cancel")
    with shop.store.lock:  # a bank transfer: the gateway cannot refund by API
        shop.store.orders.get(int(by_hand)).payment_method = "bacs"
    _post(shop, by_hand, "/cancel")
    # A cancel the owner's policy holds for approval, and one made at an FTC deadline with no
    # answer, recorded the way the page and the deadline pass record them.
    for order_id, source, approval in (
        (awaiting, "customer page", True),
        (silent, DEADLINE, False),
    ):
        request_cancel(
            shop.db.engine,
            shop="outlet",
            order_id=order_id,
            units=_waiting_units(shop, order_id),
            promise=None,
            at=shop.clock(),
            source=source,
            needs_approval=approval,
        )
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()  # the shop is written: two refunds paid, one to pay by hand

    done = {o: cancels_for(shop.db.engine, "outlet", o)[0] for o in (paid, by_hand, silent)}
    assert all(record.state == CancelState.DONE for record in done.values())
    currency = done[paid].currency
    refunded = (done[paid].amount or Decimal(0)) + (done[silent].amount or Decimal(0))
    owed = done[by_hand].owed
    assert refunded > 0 and owed and owed > 0

    choices = json.loads(_report(shop, capsys, "--json", "--shop", "outlet"))["choices"]
    assert choices == {
        "kept_waiting": 1,
        "customer_cancels": 3,
        "deadline_cancels": 1,
        "refunds_paid": 2,
        "refunded": {currency: f"{refunded:.2f}"},
        "refunds_by_hand": 1,
        "owed_by_hand": {currency: f"{owed:.2f}"},
        "failed": 0,
        "awaiting_approval": 1,
        "delay_notices": 0,
        "delay_notices_open": 0,
    }

    text = _report(shop, capsys, "--shop", "outlet")
    # Money as the report's other amounts are written, in the shop's locale (€12,490.00).
    locale = shop.daemon.settings.shop("outlet").locale
    paid_text = format_money(Money(refunded, currency), locale)
    owed_text = format_money(Money(owed, currency), locale)
    assert "customers' choices on their order pages:" in text
    for line in (
        "kept waiting (delay consent given): 1 order",
        "customers asked to cancel: 3 orders",
        "cancelled at an FTC deadline with no answer: 1 order",
        f"refunds paid by the payment gateway: 2 ({paid_text})",
        f"refunds you must pay by hand: 1 ({owed_text})",
        "waiting for your approval: 1 (connector cancels list)",
    ):
        assert f"    {line}\n" in text

    csv_rows = _report(shop, capsys, "--csv", "--shop", "outlet").splitlines()
    assert "outlet,choices.kept_waiting,1" in csv_rows
    assert f"outlet,choices.owed_by_hand.{currency},{owed:.2f}" in csv_rows

    # A window after those days: nothing chosen in it, but the cancel still awaits the owner.
    shop.clock.advance(timedelta(days=3))
    later = json.loads(_report(shop, capsys, "--json", "--shop", "outlet", "--days", "1"))
    assert later["choices"]["kept_waiting"] == later["choices"]["customer_cancels"] == 0
    assert later["choices"]["refunds_paid"] == 0
    assert later["choices"]["awaiting_approval"] == 1


def _waiting_units(shop: Shop, order_id: str) -> list[tuple[str, int]]:
    units: dict[str, int] = {}
    for entry in shop.db.queue("outlet"):
        if entry.order_id == order_id:
            units[entry.line_id] = units.get(entry.line_id, 0) + entry.waiting
    return list(units.items())
