"""A partly shipped line's waiting units cancelled from the customer page on the Shopify sandbox:
the store refunds the two waiting units, the one already shipped stays shipped, and the customer's
cancellation mail names the units cancelled and says the other one was shipped (issue 14)."""

from __future__ import annotations

import html as html_lib
import re
from types import SimpleNamespace

from connector.web.customer_cancel import cancels_for
from connector.web.tables import CancelState
from tests.e2e.test_shopify_orders_live import _cycle, _story
from tests.e2e.test_shopify_orders_live import live as shopify_live  # noqa: F401  (fixture)
from tests.web.test_customer_cancel_shopify import live  # noqa: F401  (fixture)


def test_the_cancel_of_a_partly_shipped_lines_waiting_units_is_mailed(
    live: SimpleNamespace,  # noqa: F811
) -> None:
    from tests.e2e.test_woo_order_endings import mails_to

    variant = next(v for v in live.store.data.variants.values() if v.tracked)
    on_hand = variant.available
    live.store.receive_stock(variant.sku, 1 - on_hand)  # one on the shelf
    order_gid = live.store.place_order("pia@example.com", [(variant.sku, 3)], name="Pia Part")
    _cycle(live)
    [entry] = _story(live, order_gid)["queue"]
    assert entry["waiting"] == 2
    live.store.fulfill_order(order_gid)  # the merchant ships what is not held: the one in stock
    _cycle(live)
    story = _story(live, order_gid)
    assert story["lines"][0]["fulfilled"] == 1 and story["queue"][0]["waiting"] == 2
    order_id = story["order"]["id"]

    token = live.links.token("shop-s", order_id)
    page = live.client.get(f"/orders/{token}").get_data(as_text=True)
    [(action, field)] = re.findall(
        r'<form method="post" action="([^"]+/cancel)"><input type="hidden" name="form" '
        r'value="([^"]+)">',
        page,
    )
    live.client.post(
        f"/orders/{html_lib.unescape(action)}", data={"form": html_lib.unescape(field)}
    )
    _cycle(live)
    _cycle(live)

    [record] = cancels_for(live.db.engine, "shop-s", order_id)
    assert record.state == CancelState.DONE and dict(record.units) == {entry["line_id"]: 2}
    story = _story(live, order_gid)
    assert story["queue"] == []
    assert story["lines"][0]["fulfilled"] == 1 and story["lines"][0]["cancelled"] == 2
    mails = [m for m in mails_to(live.tmp_path / "outbox", "pia@example.com") if "cancelled" in m]
    assert len(mails) == 1
    assert "\n- 2 x " in mails[0]  # the units cancelled, not the line's 3
    assert ": 2 cancelled; the other 1 was already shipped to you." in mails[0]
