"""Swap from the customer page on the Shopify sandbox over real HTTP: email link -> page -> the
swap recorded once -> the daemon's cycle writes one order edit (the alternative's new line, the
waiting line reduced and restocked, the key in the staff note) -> read back: the queue moves on and
the customer gets one swap_confirmation; the difference is refunded once (refundCreate)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.test import Client

from connector.settings import Secret, WebSettings
from connector.web.customer_swap import swaps_for
from connector.web.links import OrderLinks
from connector.web.swap_tables import customer_swaps
from connector.web.tables import CancelState
from tests.e2e.test_shopify_orders_live import _cycle, _story
from tests.e2e.test_shopify_orders_live import live as shopify_live  # noqa: F401  (fixture)
from tests.web.test_customer_swap import _swap_forms


@pytest.fixture
def live(shopify_live: SimpleNamespace) -> Iterator[SimpleNamespace]:  # noqa: F811
    web = WebSettings(
        public_url="https://orders.example.com",
        secret=Secret("k" * 40),
        customer_actions=("keep_waiting", "cancel", "swap"),
    )
    daemon = shopify_live.daemon
    # The sandbox's orders are in USD: the shop's prices are read in the same currency.
    shops = tuple(replace(s, currency="USD") for s in daemon.settings.shops)
    daemon.settings = replace(daemon.settings, web=web, shops=shops)
    shopify_live.links = OrderLinks(web, shopify_live.clock)
    shopify_live.client = Client(daemon.web_app())
    yield shopify_live


def _waiting_order(live: SimpleNamespace) -> tuple[Any, Any, str, str]:
    """An order waiting for 2 x ``old`` while ``new`` (same product, 1.00 cheaper) is in stock."""
    data = live.store.data
    with data.lock:
        product = next(
            p
            for p in data.products.values()
            if sum(v.product_id == p.id for v in data.variants.values()) >= 2
        )
        old, new = [v for v in data.variants.values() if v.product_id == product.id][:2]
        old.tracked, old.policy, old.available = True, "CONTINUE", 0
        new.tracked, new.policy, new.available = True, "DENY", 10
        new.price = f"{Decimal(old.price) - 1:.2f}"
        old.updated_at = new.updated_at = live.clock()
    order_gid = live.store.place_order("sam@example.com", [(old.sku, 2)], name="Sam Swap")
    _cycle(live)
    assert [e["sku"] for e in _story(live, order_gid)["queue"]] == [old.sku]
    return old, new, order_gid, _story(live, order_gid)["order"]["id"]


def _lines(live: SimpleNamespace, order_gid: str) -> list[tuple[str, int]]:
    stored = live.store.data.orders[int(order_gid.rsplit("/", 1)[1])]
    return [
        (live.store.data.lines[i].sku, live.store.data.lines[i].current) for i in stored.line_ids
    ]


def test_a_shopify_customer_swaps_once_and_the_order_is_edited_once(live: SimpleNamespace) -> None:
    from tests.e2e.test_woo_order_endings import mails_to

    old, new, order_gid, order_id = _waiting_order(live)
    token = live.links.token("shop-s", order_id)
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    [(url, field, line_id, offered)] = _swap_forms(page)
    assert offered == [f"gid://shopify/ProductVariant/{new.id}"]
    for _ in range(2):  # a double click
        answer = live.client.post(url, data={"form": field, "line": line_id, "variant": offered[0]})
        assert answer.status_code == 303
    _cycle(live)
    _cycle(live)
    live.client.post(url, data={"form": field, "line": line_id, "variant": offered[0]})
    _cycle(live)

    # The store: the new line, the waiting line down to 0 with its units back in stock.
    assert _lines(live, order_gid) == [(old.sku, 0), (new.sku, 2)]
    assert new.available == 8 and old.available == 0
    stored = live.store.data.orders[int(order_gid.rsplit("/", 1)[1])]
    # One edit, its staff note on the timeline; the order's note carries the swap's marker once.
    [staff_note] = live.store.data.edit_staff_notes[stored.id]
    assert "replaced by" in staff_note
    assert (stored.note or "").count("[bc:") == 1
    # The difference (2 x 1.00) went back on the payment, once, cancelling no units.
    [refund] = stored.refunds or []
    assert Decimal(refund.amount) == Decimal("2.00")
    [done] = swaps_for(live.db.engine, "shop-s", order_id)
    assert done.state == CancelState.DONE and done.attempts == 1
    assert done.amount == Decimal("2.00")
    # Read back: nothing waits any more; one confirmation saying the owner pays 2.00 back.
    assert _story(live, order_gid)["queue"] == []
    mails = [
        m for m in mails_to(live.tmp_path / "outbox", "sam@example.com") if "Instead you get" in m
    ]
    assert len(mails) == 1
    assert f"2 x {new.sku}" in mails[0] or new.sku in mails[0]
    assert "Refunded: $2.00, the difference in price" in mails[0]


def test_a_lost_commit_answer_then_a_restart_does_not_edit_twice(live: SimpleNamespace) -> None:
    old, new, order_gid, order_id = _waiting_order(live)
    token = live.links.token("shop-s", order_id)
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    [(url, field, line_id, [variant])] = _swap_forms(page)
    live.client.post(url, data={"form": field, "line": line_id, "variant": variant})
    _cycle(live)
    # The store has the edit; say the daemon died before recording it: its claim is stale.
    with live.db.engine.begin() as conn:
        conn.execute(
            customer_swaps.update().values(
                state=CancelState.WRITING,
                updated_at=live.clock() - timedelta(minutes=30),
                new_line_id="",
                amount="",
            )
        )
    _cycle(live)
    assert _lines(live, order_gid) == [(old.sku, 0), (new.sku, 2)]
    assert new.available == 8
    stored = live.store.data.orders[int(order_gid.rsplit("/", 1)[1])]
    assert len(stored.refunds or []) == 1
    [done] = swaps_for(live.db.engine, "shop-s", order_id)
    assert done.state == CancelState.DONE and done.attempts == 2 and done.new_line_id


def test_a_manual_gateway_leaves_the_difference_to_the_owner(live: SimpleNamespace) -> None:
    from tests.e2e.test_woo_order_endings import mails_to

    old, new, order_gid, order_id = _waiting_order(live)
    stored = live.store.data.orders[int(order_gid.rsplit("/", 1)[1])]
    with live.store.data.lock:
        stored.gateway = "manual"  # paid by bank deposit: no money moves by API
    token = live.links.token("shop-s", order_id)
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    [(url, field, line_id, [variant])] = _swap_forms(page)
    live.client.post(url, data={"form": field, "line": line_id, "variant": variant})
    _cycle(live)
    _cycle(live)
    assert _lines(live, order_gid) == [(old.sku, 0), (new.sku, 2)]
    assert stored.refunds in (None, [])
    [done] = swaps_for(live.db.engine, "shop-s", order_id)
    assert done.state == CancelState.DONE
    [mail] = [
        m for m in mails_to(live.tmp_path / "outbox", "sam@example.com") if "Instead you get" in m
    ]
    assert "$2.00, back to you by hand" in mail


def test_a_marker_written_but_no_edit_committed_edits_once_at_the_next_cycle(
    live: SimpleNamespace,
) -> None:
    """The daemon died between writing the marker and committing the edit: the marker alone
    does not count as done, so the next cycle edits once (and the marker is not written twice)."""
    from adapters.shopify.swap_lines import key_marker

    old, new, order_gid, order_id = _waiting_order(live)
    token = live.links.token("shop-s", order_id)
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    [(url, field, line_id, [variant])] = _swap_forms(page)
    live.client.post(url, data={"form": field, "line": line_id, "variant": variant})
    with live.db.engine.connect() as conn:
        [key] = [row.key for row in conn.execute(customer_swaps.select())]
    stored = live.store.data.orders[int(order_gid.rsplit("/", 1)[1])]
    stored.note = key_marker(key)
    _cycle(live)
    assert _lines(live, order_gid) == [(old.sku, 0), (new.sku, 2)]
    assert len(live.store.data.edit_staff_notes[stored.id]) == 1
    assert (stored.note or "").count("[bc:") == 1
