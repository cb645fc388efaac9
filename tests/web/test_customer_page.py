"""The customer page behind every email: the link a customer gets, the page it opens, and every link
the page refuses (issue 14's first part)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from connector.cli.main import main
from connector.clock import FrozenClock
from connector.config import load_settings, parse_settings
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.errors import ConfigError
from connector.settings import Secret, Settings, WebSettings
from connector.web.links import OrderLinks
from tests.e2e.test_cli_live import outlet_sandbox

SECRET = "s" * 40
WEB = """
[web]
public_url = "https://orders.example.com"
secret = "env:OUTLET_WEB_SECRET"
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any]]:
    """A WooCommerce sandbox with a Swedish customer waiting, synced once by the real CLI."""
    monkeypatch.setenv("OUTLET_WEB_SECRET", SECRET)
    with outlet_sandbox(tmp_path, monkeypatch, edit=lambda text: text + WEB) as (config, store):
        assert main(["--config", str(config), "run", "--once"]) == 0
        yield config, store


def _mails(folder: Path) -> list[Any]:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


@dataclass
class Site:
    """The synced shop's database and the daemon's web app, on the sandbox's clock."""

    settings: Settings
    clock: FrozenClock
    links: OrderLinks
    db: Database
    client: Client

    def get(self, path: str) -> tuple[int, str]:
        answer = self.client.get(path)
        return answer.status_code, answer.get_data(as_text=True)


@pytest.fixture
def site(shop: tuple[Path, Any]) -> Iterator[Site]:
    config, store = shop
    settings = load_settings(config)
    clock = FrozenClock(store.clock())
    db = open_database(settings.database_url, clock=clock)
    daemon = Daemon(settings, db, clock=clock)
    try:
        yield Site(settings, clock, OrderLinks(settings.web, clock), db, Client(daemon.web_app()))
    finally:
        daemon.close()
        db.close()


def test_every_customer_mail_links_to_a_page_with_the_order_its_dates_and_place_in_line(
    site: Site, tmp_path: Path
) -> None:
    mails = [m for m in _mails(tmp_path / "outbox") if m["To"] != "owner@example.com"]
    assert mails, "the waiting customers were written to"
    for mail in mails:
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        [link] = re.findall(r"https://orders\.example\.com/orders/\S+", text)
        assert link in html
    path = re.findall(r"https://orders\.example\.com(/orders/\S+)", text)[0]
    target = site.links.read(path.rsplit("/", 1)[1])
    assert target is not None and target.shop == "outlet"
    number = site.db.order("outlet", target.order_id).number  # type: ignore[union-attr]
    status, page = site.get(path)
    assert status == 200
    assert f"Order {number}" in page
    swedish = "väntar" in page
    waiting_words = ("väntar", "Beräknas skickas senast") if swedish else ("waiting", "ship by")
    assert any(word in page for word in waiting_words), page
    assert (
        ("först i kön" in page or "före din" in page)
        if swedish
        else ("first in line" in page or "ahead of yours" in page)
    )
    # Internal words never reach the customer: no PO ids, no queue explanations.
    assert "PO-" not in page and "covered by" not in page


def test_a_link_is_refused_forged_tampered_expired_or_of_another_install(site: Site) -> None:
    links = site.links
    order_id = site.db.queue("outlet")[0].order_id
    good = links.token("outlet", order_id)
    assert links.read(good) is not None
    head, _, tail = good.partition(".")
    other_install = OrderLinks(
        WebSettings(public_url="https://x.example", secret=Secret("t" * 40)), site.clock
    ).token("outlet", order_id)
    refused = {
        "forged": f"{head}.{tail[:-2]}AA",
        "tampered": links.token("outlet", "1").partition(".")[0] + "." + tail,
        "other install": other_install,
        "junk": "not-a-token",
    }
    for token in refused.values():
        assert links.read(token) is None
    answers = {name: site.get(f"/orders/{token}") for name, token in refused.items()}
    answers["unknown order"] = site.get(f"/orders/{links.token('outlet', '999999999')}")
    # One answer for all of them: a stranger learns nothing from which one failed.
    assert {status for status, _ in answers.values()} == {404}
    assert len({body for _, body in answers.values()}) == 1
    assert site.get(f"/orders/{good}")[0] == 200

    site.clock.advance(timedelta(days=site.settings.web.link_days, seconds=1))
    assert links.read(good) is None


def test_the_page_needs_a_secret_and_a_real_url() -> None:
    shop = {
        "name": "acme",
        "platform": "woocommerce",
        "url": "https://shop.example.com",
        "consumer_key": "env:K",
        "consumer_secret": "env:S",
    }
    env = {"K": "ck_x", "S": "cs_x", "W": "short"}
    with pytest.raises(ConfigError) as error:
        parse_settings({"shops": [shop], "web": {"public_url": "orders.example.com"}}, env=env)
    assert [p.key for p in error.value.problems] == ["web.public_url", "web.secret"]
    with pytest.raises(ConfigError) as error:
        parse_settings(
            {"shops": [shop], "web": {"public_url": "https://o.example.com", "secret": "env:W"}},
            env=env,
        )
    assert [p.message for p in error.value.problems] == [
        "at least 32 characters (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    ]


def test_a_reminder_unsubscribes_in_one_click_on_the_page(site: Site) -> None:
    from connector.model import NotificationKind
    from connector.notify.outbox import Outbox
    from connector.notify.render import Renderer
    from connector.notify.samples import sample_notification, sample_shop

    # What a reminder carries: the page's own unsubscribe link, in the body and for mail clients.
    reminder = Renderer(site.settings.email, order_link=site.links.url).render(
        sample_notification(NotificationKind.REMINDER, "en"), sample_shop("en")
    )
    [link] = re.findall(r"https://orders\.example\.com/orders/\S+/unsubscribe", reminder.text)
    assert reminder.headers["List-Unsubscribe"].startswith(f"<{link}>")
    assert reminder.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    entry = site.db.queue("outlet")[0]
    outbox = Outbox(site.db.engine, site.clock, site.settings.email)
    path = f"/orders/{site.links.token('outlet', entry.order_id)}/unsubscribe"
    asked = site.client.get(path)
    # Following the link (a mail scanner does) only asks.
    assert asked.status_code == 200 and '<form method="post">' in asked.get_data(as_text=True)
    assert not outbox.is_unsubscribed("outlet", entry.customer_email)
    for _ in range(2):  # the mail client's one-click POST; again changes nothing
        done = site.client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200
    assert outbox.is_unsubscribed("outlet", entry.customer_email)
    page = done.get_data(as_text=True)
    assert "No more reminders" in page or "Inga fler påminnelser" in page
    assert site.client.post("/orders/not-a-token/unsubscribe").status_code == 404


def test_keep_waiting_is_recorded_once_and_shown_on_the_page(site: Site) -> None:
    import html as html_lib

    from connector.web.tables import choices_for

    entry = site.db.queue("outlet")[0]
    token = site.links.token("outlet", entry.order_id)
    _, page = site.get(f"/orders/{token}")
    forms = re.findall(
        r'<form method="post" action="([^"]+)"><input type="hidden" name="form" value="([^"]+)">',
        page,
    )
    [(action, form)] = [(a, f) for a, f in forms if a.endswith("/keep-waiting")]
    assert action == f"{token}/keep-waiting"  # relative: works behind any proxy prefix
    url = f"/orders/{html_lib.unescape(action)}"

    # A form that did not come from this page records nothing.
    forged = site.client.post(url, data={"form": "x" * len(form)})
    assert forged.status_code == 303
    assert choices_for(site.db.engine, "outlet", entry.order_id) == []

    site.clock.advance(timedelta(hours=2))
    for _ in range(2):  # the second click, or a reload of the POST, changes nothing
        answer = site.client.post(url, data={"form": html_lib.unescape(form)})
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith(f"/orders/{token}")
    [choice] = choices_for(site.db.engine, "outlet", entry.order_id)
    assert choice.action == "keep_waiting" and choice.at == site.clock()
    _, page = site.get(f"/orders/{token}")
    assert "you chose to keep waiting" in page.lower() or "du valde att vänta" in page.lower()
    assert "keep-waiting" not in page  # asked and answered: no second button for the same date
