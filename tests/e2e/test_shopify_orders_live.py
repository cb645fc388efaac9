"""Shopify orders as support sees them (``connector order N``) after real cycles against the sandbox.

Payment state: a paid order's waiting line is queued and its customer told; a payment-pending or
test order waits silently (status ``pending``: no queue place, no email, no hold) until it is paid;
a voided one is ``cancelled`` and never queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connector.clock import FrozenClock
from connector.daemon import Daemon
from connector.db import open_database
from connector.demo import DemoShop, demo_settings
from connector.model import Platform
from connector.notify.outbox import Outbox
from connector.sandbox.seed import SeedSpec
from connector.settings import PolicyMode, PolicySettings
from connector.status import order_story

SPEC = SeedSpec(
    seed=4, products=4, customers=3, orders=0, out_of_stock_share=1.0, continue_share=1.0
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[SimpleNamespace]:
    from connector.sandbox.shopify import ShopifySandbox

    clock = FrozenClock(SPEC.start)
    store = ShopifySandbox(SPEC, clock=clock, webhook_retry_delays=()).start()
    clock.advance(timedelta(hours=1))
    settings = demo_settings(
        [DemoShop("shop-s", Platform.SHOPIFY, store)], "sqlite://", tmp_path / "outbox"
    )
    settings = replace(
        settings,
        policies=(),
        default_policy=PolicySettings(
            name="backorders", mode=PolicyMode.BACKORDER, lead_time_days=21
        ),
    )
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    try:
        yield SimpleNamespace(
            store=store,
            db=db,
            daemon=daemon,
            clock=clock,
            outbox=Outbox(db.engine, clock, settings.email),
            tmp_path=tmp_path,
        )
    finally:
        daemon.close()
        db.close()
        store.stop()


def _story(live: SimpleNamespace, order_id: str) -> dict[str, Any]:
    number = live.store.data.orders[int(order_id.rsplit("/", 1)[1])].number
    story = order_story(live.db, live.outbox, "shop-s", f"#{number}")
    assert story is not None
    result: dict[str, Any] = story.as_dict()
    return result


def _cycle(live: SimpleNamespace) -> None:
    live.clock.advance(timedelta(minutes=10))
    live.daemon.run_once(deliver=True)


def test_pending_and_test_orders_wait_silently_voided_ones_never_queue(
    live: SimpleNamespace,
) -> None:
    sku = next(v.sku for v in live.store.data.variants.values() if v.tracked)
    store = live.store
    paid = store.place_order("paid@example.com", [(sku, 1)], name="Pia Paid")
    pending = store.place_order(
        "pending@example.com", [(sku, 1)], name="Per Pending", financial="PENDING"
    )
    test = store.place_order("test@example.com", [(sku, 1)], name="Tess Test", test=True)
    voided = store.place_order("void@example.com", [(sku, 1)], name="Vic Void")
    store.set_payment(voided, "VOIDED")
    _cycle(live)

    told = _story(live, paid)
    assert told["order"]["status"] == "open"
    assert [entry["sku"] for entry in told["queue"]] == [sku]
    assert told["emails"], "the paying customer is told the line waits"

    for order_id, status in ((pending, "pending"), (test, "pending"), (voided, "cancelled")):
        story = _story(live, order_id)
        assert story["order"]["status"] == status
        assert (story["queue"], story["emails"], story["holds"]) == ([], [], [])
    assert all(
        fo.status == "OPEN"
        for fo in store.data.fulfillment_orders.values()
        if fo.order_id != int(paid.rsplit("/", 1)[1])
    ), "no hold on an order that is not queued"

    # The bank transfer arrives: the order joins the queue and its customer is told.
    store.set_payment(pending, "PAID")
    _cycle(live)
    now_paid = _story(live, pending)
    assert now_paid["order"]["status"] == "open"
    assert [entry["sku"] for entry in now_paid["queue"]] == [sku]
    assert now_paid["emails"]


def test_an_edited_waiting_line_keeps_waiting_for_what_is_left(live: SimpleNamespace) -> None:
    sku = next(v.sku for v in live.store.data.variants.values() if v.tracked)
    first = live.store.place_order("ann@example.com", [(sku, 2)], name="Ann First")
    second = live.store.place_order("bo@example.com", [(sku, 1)], name="Bo Second")
    _cycle(live)
    assert [e["waiting"] for e in _story(live, first)["queue"]] == [2]

    # The customer keeps one of two: one unit still waits, in the same place in the queue.
    live.store.edit_order_line(first, sku, 1)
    _cycle(live)
    story = _story(live, first)
    [line] = story["lines"]
    assert (line["quantity"], line["cancelled"], line["fulfilled"]) == (2, 1, 0)
    assert [(e["position"], e["waiting"] + e["allocated"]) for e in story["queue"]] == [(1, 1)]
    later = _story(live, second)
    assert [(e["position"], e["waiting"] + e["allocated"]) for e in later["queue"]] == [(2, 1)]

    # A refund of the last unit takes the line out of the queue.
    live.store.refund_order_line(first, sku, 1)
    _cycle(live)
    story = _story(live, first)
    assert story["lines"][0]["cancelled"] == 2 and story["queue"] == []
    assert [e["position"] for e in _story(live, second)["queue"]] == [1]


def test_an_authorization_that_expires_while_the_line_waits_keeps_it_waiting(
    live: SimpleNamespace,
) -> None:
    sku = next(v.sku for v in live.store.data.variants.values() if v.tracked)
    order = live.store.place_order(
        "eve@example.com", [(sku, 1)], name="Eve", financial="AUTHORIZED"
    )
    _cycle(live)
    told = _story(live, order)
    assert [e["sku"] for e in told["queue"]] == [sku]
    # Seven days on, Shopify Payments' authorization runs out; the customer still waits.
    live.store.set_payment(order, "EXPIRED")
    _cycle(live)
    story = _story(live, order)
    assert story["order"]["status"] == "open"
    assert [e["sku"] for e in story["queue"]] == [sku]
    assert [m["kind"] for m in story["emails"]] == [m["kind"] for m in told["emails"]]


def _refund_waiting_line(live: SimpleNamespace, amount: str | None) -> tuple[str, list[str]]:
    """A waiting line of 2 units, refunded whole in the shop (``amount`` returned; None: the
    units' price, as Shopify's admin suggests); the mails its customer got, and the line's price."""
    from tests.e2e.test_woo_order_endings import mails_to

    variant = next(v for v in live.store.data.variants.values() if v.tracked)
    order = live.store.place_order("rae@example.com", [(variant.sku, 2)], name="Rae Refund")
    _cycle(live)
    assert [e["sku"] for e in _story(live, order)["queue"]] == [variant.sku]

    live.store.refund_order_line(order, variant.sku, 2, amount=amount)
    _cycle(live)
    story = _story(live, order)
    assert story["queue"] == [] and story["lines"][0]["cancelled"] == 2
    return variant.price, mails_to(live.tmp_path / "outbox", "rae@example.com")


def test_a_line_refunded_with_money_is_cancelled_with_the_amount_refunded(
    live: SimpleNamespace,
) -> None:
    price, mails = _refund_waiting_line(live, amount=None)
    last = mails[-1]
    assert "cancelled" in last
    assert f"Refunded: ${Decimal(price) * 2:,.2f}, to your original payment method" in last


def test_a_line_refunded_without_money_is_cancelled_with_no_amount(live: SimpleNamespace) -> None:
    # Restocked in the admin with 0.00 returned: the refund's line item still carries the line's
    # price as its subtotal; the customer must not be told that price came back.
    price, mails = _refund_waiting_line(live, amount="0.00")
    last = mails[-1]
    assert "cancelled" in last
    assert "Refunded" not in last and f"{Decimal(price) * 2:,.2f}" not in last
    assert "refunds the payment to your original payment method and confirms it" in last
