"""A real browser on the customer page: headless Chromium opens an order's page, clicks "Cancel
the waiting items", sees that it is being done, and after the daemon's cycle sees it done with the
refund, while the store shows the refund (issue 14's "done when"). Screenshots of the result in
English and Swedish go to $CUSTOMER_PAGE_SHOTS when set (docs/customer-page/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.web.server import WebhookServer
from tests.web.browser import Browser
from tests.web.test_console_browser import browser  # noqa: F401  (fixture)
from tests.web.test_customer_cancel import Shop, shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.chromium


@pytest.fixture
def served(shop: Shop) -> Iterator[str]:  # noqa: F811
    server = WebhookServer(shop.client.application, host="127.0.0.1", port=0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def _orders_by_language(site: Shop) -> dict[str, str]:
    """One waiting order per page language (en, sv), as far as the shop has them."""
    found: dict[str, str] = {}
    for entry in site.db.queue("outlet"):
        order = site.db.order("outlet", entry.order_id)
        if order is None:
            continue
        language = "sv" if (order.customer_locale or "").startswith("sv") else "en"
        found.setdefault(language, entry.order_id)
    return found


def test_chromium_cancels_the_waiting_items_and_sees_the_refund(
    shop: Shop,  # noqa: F811
    served: str,
    browser: Browser,  # noqa: F811
) -> None:
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        session=True,
        width=420,
        height=1100,
        deviceScaleFactor=1,
        mobile=True,
    )
    shots = os.environ.get("CUSTOMER_PAGE_SHOTS")
    orders = _orders_by_language(shop)
    assert orders, "the sandbox has waiting orders"
    for language, order_id in sorted(orders.items()):
        token = shop.links.token("outlet", order_id)
        browser.open(f"{served}/orders/{token}")
        browser.wait("document.querySelector('form[action$=\"/cancel\"] button') !== null")
        if shots:  # the page as a waiting customer finds it, with both choices
            Path(shots, f"order-{language}.png").write_bytes(browser.screenshot())
        browser.run("document.querySelector('form[action$=\"/cancel\"] button').click()")
        browser.wait(
            "document.body.innerText.includes('cancelling them now')"
            " || document.body.innerText.includes('avbeställer dem nu')"
        )
        assert shop.refunds(order_id) == []

        shop.clock.advance(timedelta(minutes=5))
        shop.daemon.run_once()
        browser.run("location.reload()")
        browser.wait(
            "document.body.innerText.includes('were cancelled on')"
            " || document.body.innerText.includes('avbeställdes den')"
        )
        text = browser.text()
        assert ("original payment method" in text) or ("ursprungliga betalsätt" in text)
        assert "Cancelled" in text or "avbeställd" in text.lower()
        [refund] = shop.refunds(order_id)
        assert refund.refunded_payment
        image = browser.screenshot()
        assert image[:8] == b"\x89PNG\r\n\x1a\n"
        if shots:
            Path(shots, f"cancelled-{language}.png").write_bytes(image)
