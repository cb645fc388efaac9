"""Cancel from the customer page on the Shopify sandbox: page -> record -> the daemon's cycle ->
refundCreate in the store (units removed, money returned) -> read back -> the customer's mail."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from werkzeug.test import Client

from connector.settings import Secret, WebSettings
from connector.web.customer_cancel import cancels_for
from connector.web.links import OrderLinks
from connector.web.tables import CancelState
from tests.e2e.test_shopify_orders_live import _cycle, _story
from tests.e2e.test_shopify_orders_live import live as shopify_live  # noqa: F401  (fixture)


@pytest.fixture
def live(shopify_live: SimpleNamespace) -> Iterator[SimpleNamespace]:  # noqa: F811
    web = WebSettings(public_url="https://orders.example.com", secret=Secret("k" * 40))
    daemon = shopify_live.daemon
    daemon.settings = replace(daemon.settings, web=web)
    shopify_live.links = OrderLinks(web, shopify_live.clock)
    shopify_live.client = Client(daemon.web_app())
    yield shopify_live


def test_a_shopify_customer_cancels_and_the_store_refunds_once(live: SimpleNamespace) -> None:
    from tests.e2e.test_woo_order_endings import mails_to

    variant = next(v for v in live.store.data.variants.values() if v.tracked)
    order_gid = live.store.place_order("una@example.com", [(variant.sku, 2)], name="Una Undo")
    _cycle(live)
    assert [e["sku"] for e in _story(live, order_gid)["queue"]] == [variant.sku]
    order_id = _story(live, order_gid)["order"]["id"]

    token = live.links.token("shop-s", order_id)
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    [(action, field)] = re.findall(
        r'<form method="post" action="([^"]+/cancel)"><input type="hidden" name="form" '
        r'value="([^"]+)">',
        page,
    )
    for _ in range(2):  # a double click
        live.client.post(
            f"/orders/{html_lib.unescape(action)}", data={"form": html_lib.unescape(field)}
        )
    _cycle(live)
    _cycle(live)

    stored = live.store.data.orders[int(order_id.rsplit("/", 1)[1])]
    [refund] = stored.refunds or []
    assert Decimal(refund.amount) == Decimal(variant.price) * 2
    assert [live.store.data.lines[i].current for i in stored.line_ids] == [0]
    story = _story(live, order_gid)
    assert story["queue"] == [] and story["lines"][0]["cancelled"] == 2
    [record] = cancels_for(live.db.engine, "shop-s", order_id)
    assert record.state == CancelState.DONE and record.amount == Decimal(variant.price) * 2
    mails = mails_to(live.tmp_path / "outbox", "una@example.com")
    assert "cancelled" in mails[-1]
    assert f"Refunded: ${Decimal(variant.price) * 2:,.2f}" in mails[-1]
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    assert "were cancelled on" in page and "original payment method" in page
    live.clock.advance(timedelta(hours=1))
    _cycle(live)
    assert len(stored.refunds or []) == 1
