"""Rate limits on the customer page's POSTs (issue 14): a looping script is told to wait, a person
clicking twice never notices, and the wait ends when the window does."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

from connector.web.limits import TOKEN_POSTS, WINDOW, PostLimits
from connector.web.tables import choices_for
from tests.web.test_customer_page import Site, shop, site  # noqa: F401  (fixtures)


def test_the_eleventh_post_is_refused_changes_nothing_and_works_after_the_window(
    site: Site,  # noqa: F811  (the imported fixture)
) -> None:
    entry = site.db.queue("outlet")[0]
    token = site.links.token("outlet", entry.order_id)
    _, page = site.get(f"/orders/{token}")
    [form] = re.findall(
        r'action="[^"]*keep-waiting"><input type="hidden" name="form" value="([^"]+)"', page
    )
    url = f"/orders/{token}/keep-waiting"

    # Ten forged forms use up the link's window (each answered as usual, none recorded).
    for _ in range(TOKEN_POSTS):
        assert site.client.post(url, data={"form": "x"}).status_code == 303
    refused = site.client.post(url, data={"form": html_lib.unescape(form)})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= WINDOW.total_seconds()
    text = refused.get_data(as_text=True)
    assert "Please wait a moment" in text or "Vänta en stund" in text
    assert refused.headers["Cache-Control"] == "no-store"
    assert choices_for(site.db.engine, "outlet", entry.order_id) == []  # the choice is unchanged

    # Cancel and unsubscribe share the link's count: refused too, and nothing unsubscribed.
    assert site.client.post(f"/orders/{token}/cancel", data={"form": "x"}).status_code == 429
    assert site.client.post(f"/orders/{token}/unsubscribe").status_code == 429
    # Reading the page is never limited.
    assert site.get(f"/orders/{token}")[0] == 200

    site.clock.advance(WINDOW)
    answer = site.client.post(url, data={"form": html_lib.unescape(form)})
    assert answer.status_code == 303
    [choice] = choices_for(site.db.engine, "outlet", entry.order_id)
    assert choice.action == "keep_waiting"
    _, page = site.get(f"/orders/{token}")
    assert "you chose to keep waiting" in page.lower() or "du valde att vänta" in page.lower()


def test_one_address_walking_many_links_is_refused_in_swedish_when_asked(
    site: Site,  # noqa: F811  (the imported fixture)
) -> None:
    entry = site.db.queue("outlet")[0]
    token = site.links.token("outlet", entry.order_id)
    for n in range(30):  # thirty different (junk) links from one address: each a 404
        assert site.client.post(f"/orders/junk{n}/cancel").status_code == 404
    refused = site.client.post(
        f"/orders/{token}/cancel", headers={"Accept-Language": "sv"}, data={"form": "x"}
    )
    assert refused.status_code == 429
    assert "Vänta en stund" in refused.get_data(as_text=True)
    # Another address is not held up by this one.
    other = site.client.post(
        f"/orders/{token}/cancel", data={"form": "x"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 303


def test_the_window_starts_at_the_first_post_and_retry_after_counts_down() -> None:
    from datetime import UTC, datetime

    from connector.clock import FrozenClock

    clock = FrozenClock(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))
    limits = PostLimits(clock, token_posts=2, address_posts=5)
    assert limits.check("t", "a") is None and limits.check("t", "a") is None
    clock.advance(timedelta(minutes=4))
    assert limits.check("t", "a") == 6 * 60  # refused, and not counted
    assert limits.check("u", "a") is None  # another link from the same address still goes
    clock.advance(timedelta(minutes=6))
    assert limits.check("t", "a") is None
