"""A real browser adds purchase orders: headless Chromium logs in as the owner, adds a PO for a
waiting SKU and sees the order's ETA move after the daemon's cycle, then imports a CSV sheet
(upload, preview, confirm) and sees it in the list (issue 16's "add a PO and see ETAs move")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from connector.web.server import WebhookServer
from tests.web.browser import Browser
from tests.web.test_console import PASSWORDS, Console, console, waiting_order  # noqa: F401
from tests.web.test_console_browser import browser  # noqa: F401

pytestmark = pytest.mark.chromium


def _fill(browser: Browser, form: str, **fields: str) -> None:  # noqa: F811
    """Type ``fields`` into the inputs of the ``form`` the CSS selector finds."""
    for name, value in fields.items():
        selector = json.dumps(f"{form} [name={name}]")
        browser.run(f"document.querySelector({selector}).value = {json.dumps(value)};")


def test_chromium_adds_a_po_sees_the_eta_move_and_imports_a_sheet(
    console: Console,  # noqa: F811
    browser: Browser,  # noqa: F811
) -> None:
    server = WebhookServer(console.app, host="127.0.0.1", port=0)
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}/console"
        browser.open(f"{base}/login")
        _fill(browser, "form", user="olive", password=PASSWORDS["olive"])
        browser.run("document.querySelector('main form').submit();")
        browser.wait("location.pathname === '/console/'")

        order_id, _, _ = waiting_order(console)
        entry = next(e for e in console.db.queue("outlet") if e.order_id == order_id)
        assert entry.eta is not None
        due = console.clock().date() + timedelta(days=4)
        assert due < entry.eta

        browser.open(f"{base}/purchase-orders")
        add = "form[method=post][action$='/purchase-orders']"  # not the search box
        _fill(browser, add, sku=entry.sku, quantity="50", expected=due.isoformat())
        _fill(browser, add, reference="SUP-9", supplier="Nordic")
        browser.run(f'document.querySelector("{add}").submit();')
        browser.wait("location.search.startsWith('?added=')")
        assert f"Purchase order SUP-9:{entry.sku}: 50 x {entry.sku}, expected {due}." in (
            browser.text()
        )

        assert console.daemon.work_shop("outlet") is not None  # the next cycle
        browser.open(f"{base}/order?shop=outlet&id={order_id}")
        moved = next(e for e in console.db.queue("outlet") if e.order_id == order_id).eta
        assert moved is not None and moved < entry.eta
        assert f"{moved.isoformat()} (was {entry.eta.isoformat()})" in browser.text()

        browser.open(f"{base}/purchase-orders")
        browser.run("document.querySelector('a[href$=\"/purchase-orders/import\"]').click();")
        browser.wait("location.pathname === '/console/purchase-orders/import'")
        sheet = f"sku,quantity,expected_date,reference\n{entry.sku},7,{due},SUP-10\nX,lots,,\n"
        browser.run(
            "const data = new DataTransfer();"
            f"data.items.add(new File([{json.dumps(sheet)}], 'pos.csv', {{type: 'text/csv'}}));"
            "document.querySelector('[name=file]').files = data.files;"
            "document.querySelector('form[enctype] button').click();"
        )
        browser.wait("document.body.innerText.includes('Nothing is saved yet')")
        assert "1 new, 0 changed, 0 unchanged, 1 rows skipped." in browser.text()
        assert "quantity 'lots' is not a whole number" in browser.text()
        browser.run("document.querySelector('form[action$=\"/confirm\"] button').click();")
        browser.wait("document.body.innerText.includes('Imported into outlet.')")
        ids = [po.id for po in console.db.purchase_orders("outlet", sku=entry.sku)]
        assert sorted(ids) == [f"SUP-10:{entry.sku}", f"SUP-9:{entry.sku}"]
        browser.open(f"{base}/purchase-orders")
        assert f"SUP-10:{entry.sku}" in browser.text()
        assert browser.screenshot()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        server.stop()
