"""Pay on release on core WooCommerce (issue 15): no deposit, no stored card, so the order waits in
``pending`` and its customer is emailed the shop's own payment link once the item is released and
in stock. The connector never moves the order's status; WooCommerce does when the customer pays."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.model import Platform
from connector.pay_on_release import awaiting_payment
from connector.sandbox.seed import demo_spec
from connector.settings import PolicyMode, Settings
from tests.e2e.test_woo_order_endings import mails_to
from tests.e2e.test_woo_payments_extension import SKU, new_preorder_product, shop_order
from tests.e2e.woo_rig import SHOP

Rig = tuple[Daemon, Database, Any, FrozenClock, Settings]


def on_release(settings: Settings) -> Settings:
    """The demo's config with its pre-order policy paid on release."""
    policies = tuple(
        dataclasses.replace(p, payment="on_release", payment_terms="You pay when it ships.")
        if p.mode is PolicyMode.PREORDER
        else p
        for p in settings.policies
    )
    return dataclasses.replace(settings, policies=policies)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    from connector.demo import demo_settings
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    store = WooCommerceSandbox(demo_spec(), clock=clock).start()
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    shop = SimpleNamespace(name=SHOP, platform=Platform.WOOCOMMERCE, store=store)
    settings = on_release(demo_settings([shop], "sqlite://", tmp_path / "outbox"))  # type: ignore[list-item]
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    try:
        yield daemon, db, store, clock, settings
    finally:
        daemon.close()
        db.close()
        store.stop()


def pending_checkout(store: Any, email: str, quantity: int = 1) -> str:
    """A customer checks out and pays nothing now: WooCommerce keeps the order pending."""
    with store.lock:
        order = store.orders.create(
            {
                "status": "pending",
                "billing": {"first_name": "Pia", "last_name": "Berg", "email": email},
                "line_items": [{"product_id": store.catalog.by_sku[SKU], "quantity": quantity}],
            },
            checkout=True,
        )
    return str(order.id)


def cycle(daemon: Daemon, clock: FrozenClock) -> None:
    clock.advance(timedelta(minutes=5))
    daemon.run_once()


def payment_mails(folder: Path, address: str) -> list[str]:
    return [m for m in mails_to(folder, address) if "checkout/order-pay/" in m]


def waiting_for_payment(db: Database, settings: Settings, clock: FrozenClock) -> dict[str, str]:
    from connector.model import OrderStatus

    found = awaiting_payment(
        db.orders(SHOP, statuses=[OrderStatus.PENDING]),
        db.variants(SHOP),
        db.products(SHOP),
        settings=settings,
        shop=SHOP,
        today=clock().date(),
    )
    return {entry.order.platform_id: entry.state for entry in found}


def test_the_payment_link_goes_once_at_release_and_the_order_stays_pending_until_paid(
    rig: Rig, tmp_path: Path
) -> None:
    daemon, db, store, clock, settings = rig
    outbox = tmp_path / "outbox"
    release = clock().date() + timedelta(days=10)
    new_preorder_product(store, release)
    order_id = pending_checkout(store, "pia@example.com")
    cycle(daemon, clock)
    assert payment_mails(outbox, "pia@example.com") == []
    assert waiting_for_payment(db, settings, clock) == {
        order_id: f"waits for the release on {release.isoformat()}"
    }

    # Release day, and the stock is in.
    clock.advance(timedelta(days=10))
    store.receive_stock(SKU, 3)
    cycle(daemon, clock)
    [mail] = payment_mails(outbox, "pia@example.com")
    shown = shop_order(store, order_id)
    assert shown["payment_url"] in mail
    assert "You pay when it ships." in mail
    # Kept pending: the connector wrote no status, and nothing was charged.
    assert (shown["status"], shown["needs_payment"], shown["date_paid"]) == ("pending", True, None)

    for _ in range(2):
        cycle(daemon, clock)
    assert len(payment_mails(outbox, "pia@example.com")) == 1  # exactly once

    # The customer pays on the shop's page; WooCommerce moves the order on and takes the stock.
    store.pre_orders.pay(order_id)
    cycle(daemon, clock)
    assert shop_order(store, order_id)["status"] == "processing"
    assert waiting_for_payment(db, settings, clock) == {}
    assert len(payment_mails(outbox, "pia@example.com")) == 1


def test_released_without_stock_the_oldest_order_gets_its_link_first(
    rig: Rig, tmp_path: Path
) -> None:
    daemon, db, store, clock, settings = rig
    outbox = tmp_path / "outbox"
    new_preorder_product(store, clock().date() + timedelta(days=1))
    first = pending_checkout(store, "first@example.com")
    clock.advance(timedelta(minutes=1))
    second = pending_checkout(store, "second@example.com")
    clock.advance(timedelta(days=2))
    cycle(daemon, clock)
    assert payment_mails(outbox, "first@example.com") == []
    assert set(waiting_for_payment(db, settings, clock).values()) == {
        "released: waits for stock before its payment link is emailed"
    }

    store.receive_stock(SKU, 1)  # one unit: the older order's
    cycle(daemon, clock)
    assert len(payment_mails(outbox, "first@example.com")) == 1
    assert payment_mails(outbox, "second@example.com") == []
    assert waiting_for_payment(db, settings, clock)[second].startswith("released: waits for stock")
    assert first in waiting_for_payment(db, settings, clock)


def test_a_shop_that_does_not_answer_gets_its_payment_link_sent_on_the_next_cycle(
    rig: Rig, tmp_path: Path
) -> None:
    from connector.pay_on_release import request_payments
    from connector.sync import pull

    daemon, db, store, clock, settings = rig
    new_preorder_product(store, clock().date())
    store.receive_stock(SKU, 1)
    order_id = pending_checkout(store, "pia@example.com")
    clock.advance(timedelta(minutes=5))
    adapter = daemon.adapter(SHOP)
    pull(db, adapter, SHOP)
    # The store refuses the link request twice in a row (a nonce collision, signed again once,
    # then given up): nothing is queued, nothing is lost.
    store.auth.refuse_nonces(2)
    step = {"settings": settings, "shop": SHOP, "now": clock()}
    assert request_payments(db, adapter, daemon.outbox, **step) == 0
    assert request_payments(db, adapter, daemon.outbox, **step) == 1  # asked again: queued
    assert request_payments(db, adapter, daemon.outbox, **step) == 0  # and only once
    daemon.deliver_outbox()
    [mail] = payment_mails(tmp_path / "outbox", "pia@example.com")
    assert f"checkout/order-pay/{order_id}/" in mail
