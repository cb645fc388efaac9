"""Cancel from the customer page, on the WooCommerce sandbox over real HTTP: the page records the
cancel once, the daemon's next cycle refunds the waiting units in the store once, reads it back
(the queue moves on) and mails the customer; the page says what happened to the money."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from connector.cli.main import main
from connector.clock import FrozenClock, system_clock
from connector.config import load_settings
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model_cancel import LineCancel, RefundKind
from connector.web.customer_cancel import cancels_for
from connector.web.links import OrderLinks
from connector.web.tables import CancelState, customer_cancels
from tests.e2e.test_cli_live import outlet_sandbox
from tests.web.test_customer_page import SECRET, WEB


@dataclass
class Shop:
    """The synced WooCommerce sandbox, the daemon over it and its web app, on the sandbox's clock."""

    store: Any
    clock: FrozenClock
    links: OrderLinks
    db: Database
    daemon: Daemon
    client: Client
    outbox: Path
    config: Path

    def page(self, order_id: str) -> tuple[str, str]:
        token = self.links.token("outlet", order_id)
        answer = self.client.get(f"/orders/{token}")
        assert answer.status_code == 200
        return token, answer.get_data(as_text=True)

    def cancel_form(self, order_id: str) -> tuple[str, str]:
        """The cancel form's URL and field, as the page renders them."""
        _, page = self.page(order_id)
        forms = re.findall(
            r'<form method="post" action="([^"]+)"><input type="hidden" name="form" '
            r'value="([^"]+)">',
            page,
        )
        [(action, field)] = [(a, f) for a, f in forms if a.endswith("/cancel")]
        return f"/orders/{html_lib.unescape(action)}", html_lib.unescape(field)

    def refunds(self, order_id: str) -> list[Any]:
        with self.store.lock:
            return list(self.store.orders.get(int(order_id)).refunds or ())

    def mails_to(self, address: str) -> list[Any]:
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            if mail["To"] and address in mail["To"]:
                found.append(mail)
        return found


def _shop(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: str = "",
    edit: Callable[[str], str] = str,
) -> Iterator[Shop]:
    monkeypatch.setenv("OUTLET_WEB_SECRET", SECRET)
    with outlet_sandbox(tmp_path, monkeypatch, edit=lambda text: edit(text) + WEB + extra) as (
        config,
        store,
    ):
        assert main(["--config", str(config), "run", "--once"]) == 0
        settings = load_settings(config)
        clock = FrozenClock(store.clock())
        db = open_database(settings.database_url, clock=clock)
        # Leases on the wall clock, as the CLI's run --once took (and released) them.
        daemon = Daemon(settings, db, clock=clock, lease_clock=system_clock)
        try:
            yield Shop(
                store,
                clock,
                OrderLinks(settings.web, clock),
                db,
                daemon,
                Client(daemon.web_app()),
                tmp_path / "outbox",
                config,
            )
        finally:
            daemon.close()
            db.close()


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    yield from _shop(tmp_path, monkeypatch)


def _waiting(shop: Shop) -> tuple[str, dict[str, int]]:
    """An order with waiting units, and its waiting units per line."""
    entry = shop.db.queue("outlet")[0]
    units: dict[str, int] = {}
    for other in shop.db.queue("outlet"):
        if other.order_id == entry.order_id:
            units[other.line_id] = units.get(other.line_id, 0) + other.waiting
    return entry.order_id, units


def test_cancel_refunds_the_waiting_units_once_and_the_customer_is_told(shop: Shop) -> None:
    order_id, units = _waiting(shop)
    order = shop.db.order("outlet", order_id)
    assert order is not None
    url, field = shop.cancel_form(order_id)

    # A form that did not come from this page records nothing.
    assert shop.client.post(url, data={"form": "x" * len(field)}).status_code == 303
    assert cancels_for(shop.db.engine, "outlet", order_id) == []

    for _ in range(2):  # a double click, or a reload of the POST
        answer = shop.client.post(url, data={"form": field})
        assert answer.status_code == 303
    [record] = cancels_for(shop.db.engine, "outlet", order_id)
    assert record.state == CancelState.PENDING and dict(record.units) == units
    _, page = shop.page(order_id)
    assert "We are cancelling them now" in page or "Vi avbeställer dem nu" in page
    assert "/cancel" not in page  # asked once: no second button
    assert shop.refunds(order_id) == []  # the page only records; the daemon writes

    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()  # a second cycle, and a replayed form, write nothing more
    shop.client.post(url, data={"form": field})

    [refund] = shop.refunds(order_id)
    assert {str(line.id): qty for _, line, qty, _ in refund.items} == units
    assert refund.refunded_payment is True
    prices = {line.platform_id: line.price.amount for line in order.lines}
    expected = sum((prices[line] * n for line, n in units.items()), Decimal("0"))
    assert Decimal(refund.amount) == expected

    [done] = cancels_for(shop.db.engine, "outlet", order_id)
    assert done.state == CancelState.DONE and done.refund == RefundKind.PAID
    assert done.amount == expected and done.attempts == 1
    # Read back: the units left the queue, and the customer got the cancellation mail.
    assert all(e.order_id != order_id for e in shop.db.queue("outlet"))
    mails = [
        m
        for m in shop.mails_to(order.customer.email)
        if "cancel" in m["Subject"].lower() or "avbe" in m["Subject"].lower()
    ]
    assert len(mails) == 1
    _, page = shop.page(order_id)
    assert "were cancelled on" in page or "avbeställdes den" in page
    assert "original payment method" in page or "ursprungliga betalsätt" in page


def test_a_gateway_without_refunds_cancels_the_units_and_the_owner_pays_back_by_hand(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    order_id, units = _waiting(shop)
    with shop.store.lock:
        shop.store.orders.get(int(order_id)).payment_method = "bacs"
    url, field = shop.cancel_form(order_id)
    shop.client.post(url, data={"form": field})
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()

    [refund] = shop.refunds(order_id)
    assert refund.amount == "0.00" and refund.refunded_payment is False
    assert {str(line.id): qty for _, line, qty, _ in refund.items} == units
    [done] = cancels_for(shop.db.engine, "outlet", order_id)
    assert done.refund == RefundKind.MANUAL and done.owed and done.owed > 0
    assert "pay back" in caplog.text and "by hand" in caplog.text
    _, page = shop.page(order_id)
    assert "to you by hand" in page or "manuellt" in page


def test_a_write_whose_answer_was_lost_is_not_refunded_twice_after_a_restart(
    shop: Shop,
) -> None:
    order_id, _ = _waiting(shop)
    url, field = shop.cancel_form(order_id)
    shop.client.post(url, data={"form": field})
    [record] = cancels_for(shop.db.engine, "outlet", order_id)
    # A daemon claimed it, the store refunded, and the daemon died before recording the answer.
    with shop.db.engine.begin() as conn:
        conn.execute(
            customer_cancels.update()
            .where(customer_cancels.c.key == record.key)
            .values(state=CancelState.WRITING, updated_at=shop.clock(), attempts=1)
        )
    shop.daemon.adapter("outlet").cancel_lines(  # type: ignore[attr-defined]
        LineCancel(order_id, record.units, record.key, "lost answer")
    )
    assert len(shop.refunds(order_id)) == 1

    # A restarted daemon leaves a fresh claim alone, and retries a stale one with the same key.
    shop.daemon.close()
    settings = shop.daemon.settings
    shop.daemon = Daemon(settings, shop.db, clock=shop.clock, lease_clock=system_clock)
    shop.daemon.run_once()
    assert cancels_for(shop.db.engine, "outlet", order_id)[0].state == CancelState.WRITING
    shop.clock.advance(timedelta(minutes=11))
    shop.daemon.run_once()

    assert len(shop.refunds(order_id)) == 1
    [done] = cancels_for(shop.db.engine, "outlet", order_id)
    assert done.state == CancelState.DONE and done.attempts == 2
    assert done.refund == RefundKind.PAID


APPROVAL = "cancel_needs_approval = true\n"


@pytest.fixture
def approving_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    yield from _shop(tmp_path, monkeypatch, APPROVAL)


def test_with_approval_on_a_cancel_waits_for_the_owner(
    approving_shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = approving_shop
    order_id, _ = _waiting(shop)
    number = shop.db.order("outlet", order_id).number  # type: ignore[union-attr]
    url, field = shop.cancel_form(order_id)
    shop.client.post(url, data={"form": field})
    [record] = cancels_for(shop.db.engine, "outlet", order_id)
    assert record.state == CancelState.AWAITING_APPROVAL
    _, page = shop.page(order_id)
    assert "confirms it shortly" in page or "bekräftar det snart" in page
    shop.daemon.run_once()
    assert shop.refunds(order_id) == []

    cli = ["--config", str(shop.config)]
    capsys.readouterr()
    assert main([*cli, "cancels", "list"]) == 0
    assert f"outlet order {number}" in capsys.readouterr().out
    assert main([*cli, "cancels", "approve", number]) == 0
    assert "next cycle" in capsys.readouterr().out
    assert main([*cli, "cancels", "approve", number]) == 1  # approved once; nothing left to approve
    assert "no cancel awaiting approval" in capsys.readouterr().err
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()
    assert len(shop.refunds(order_id)) == 1
    assert cancels_for(shop.db.engine, "outlet", order_id)[0].state == CancelState.DONE

    # Support sees the choice, when it was made, and what came of it.
    assert main([*cli, "order", number]) == 0
    out = capsys.readouterr().out
    assert "keep waiting" not in out
    [line] = [row for row in out.splitlines() if "customer cancelled the waiting items" in row]
    assert "done" in line and "refunded" in line and " x" in line
    assert main([*cli, "order", number, "--json"]) == 0
    [choice] = json.loads(capsys.readouterr().out)["choices"]
    assert choice["what"].startswith("customer cancelled") and choice["result"].startswith("done")


def test_a_cancel_the_policy_does_not_offer_is_neither_shown_nor_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for shop in _shop(tmp_path, monkeypatch, 'customer_actions = ["keep_waiting"]\n'):
        order_id, _ = _waiting(shop)
        token, page = shop.page(order_id)
        assert "/cancel" not in page
        form = shop.links.form_token(token, "cancel")
        shop.client.post(f"/orders/{token}/cancel", data={"form": form})
        assert cancels_for(shop.db.engine, "outlet", order_id) == []
        with shop.db.engine.connect() as conn:
            assert (
                conn.execute(sa.select(sa.func.count()).select_from(customer_cancels)).scalar() == 0
            )


def test_keep_waiting_is_confirmed_by_one_email(shop: Shop) -> None:
    order_id, _ = _waiting(shop)
    order = shop.db.order("outlet", order_id)
    assert order is not None
    token, page = shop.page(order_id)
    [field] = re.findall(
        r'action="[^"]+/keep-waiting"><input type="hidden" name="form" value="([^"]+)">', page
    )
    for _ in range(2):  # a double click: one choice, one email
        shop.client.post(f"/orders/{token}/keep-waiting", data={"form": html_lib.unescape(field)})
    shop.clock.advance(timedelta(minutes=5))
    shop.daemon.run_once()
    subjects = [str(m["Subject"]) for m in shop.mails_to(order.customer.email)]
    thanks = [s for s in subjects if "thank you for waiting" in s or "tack för att du väntar" in s]
    assert len(thanks) == 1 and order.number in thanks[0]
