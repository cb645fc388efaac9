"""A real browser at the console: headless Chromium logs in, finds an order by number, presses
Resync and sees it waiting, then done once the daemon's cycle ran (issue 16's "done when")."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from connector.notify.screenshot import find_chromium
from connector.resync_queue import pending_resyncs
from connector.web.server import WebhookServer
from tests.web.browser import Browser
from tests.web.test_console import PASSWORDS, Console, console, waiting_order  # noqa: F401

pytestmark = pytest.mark.chromium


@pytest.fixture
def browser() -> Iterator[Browser]:
    shift = os.environ.get("CONNECTOR_CLOCK_SHIFT")
    if shift:
        pytest.skip(f"Chromium hangs under faketime (clock moved {shift}); runs in the plain pass")
    found = find_chromium()
    if found is None:
        reason = "headless Chromium not installed (apt-get install chromium)"
        if os.environ.get("CONNECTOR_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"CONNECTOR_REQUIRE_CHROMIUM=1 but {reason}")
        pytest.skip(reason)
    opened = Browser(found)
    try:
        yield opened
    finally:
        opened.close()


def test_chromium_logs_in_finds_an_order_and_resyncs_it(
    console: Console,  # noqa: F811
    browser: Browser,
) -> None:
    server = WebhookServer(console.app, host="127.0.0.1", port=0)
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}/console"
        browser.open(f"{base}/")
        browser.wait("location.pathname === '/console/login'")  # no page without a login
        assert "Log in" in browser.text()
        browser.run(
            "document.querySelector('[name=user]').value = 'sam';"
            f"document.querySelector('[name=password]').value = {PASSWORDS['sam']!r};"
            "document.querySelector('form').submit();"
        )
        browser.wait("location.pathname === '/console/'")
        assert "last sync" in browser.text() and "outlet" in browser.text()

        order_id, number, _ = waiting_order(console)
        browser.run(
            f"document.querySelector('[name=q]').value = '{number}';"
            "document.querySelector('main form').submit();"
        )
        browser.wait("location.pathname === '/console/order'")
        assert f"Order {number}" in browser.text()
        browser.run("document.querySelector('form[action$=\"/order/resync\"] button').click()")
        browser.wait("document.querySelector('.state-waiting') !== null")
        [queued] = pending_resyncs(console.db.engine, "outlet")
        assert queued.target.order_ids == (order_id,) and queued.source == "console:sam"

        assert console.daemon.work_shop("outlet") is not None
        browser.run("location.reload()")
        browser.wait("document.querySelector('.state-done') !== null")
        assert "done" in browser.text()
        assert browser.screenshot()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        server.stop()
