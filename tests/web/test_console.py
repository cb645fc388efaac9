"""The support console at /console: log in, see each shop's status, find an order by number or
email, read its whole story and resync it; and every door a stranger or a support user must not
pass (issue 16)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.config import load_settings
from connector.daemon import Daemon
from connector.db import Database, open_database
from connector.lease import database_clock
from connector.resync_queue import pending_resyncs
from connector.sandbox.seed import demo_spec
from connector.settings import Settings
from connector.web.passwords import hash_password
from tests.e2e.test_cli_live import CONFIG

CONSOLE_SECRET = "c" * 40
PASSWORDS = {"sam": "sam's long password", "olive": "olive's long password"}


@cache
def _hash(user: str) -> str:
    return hash_password(PASSWORDS[user])


def console_config() -> str:
    return f"""
[console]
secret = "env:CONNECTOR_CONSOLE_SECRET"
public_url = "https://orders.example.com"
login_attempts = 3
lockout_minutes = 10
trusted_proxies = ["10.0.0.1"]

[[console.users]]
name = "sam"
role = "support"
password_hash = "{_hash("sam")}"

[[console.users]]
name = "olive"
role = "owner"
password_hash = "{_hash("olive")}"
"""


class Staff(Client):
    """A browser at one address, over https (as behind the reverse proxy)."""

    def __init__(self, app: Any, address: str) -> None:
        super().__init__(app)
        self.address = address

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if args and isinstance(args[0], str):  # not a redirect being followed
            kwargs.setdefault("environ_base", {"REMOTE_ADDR": self.address})
            kwargs.setdefault("base_url", "https://orders.example.com")
        return super().open(*args, **kwargs)


@dataclass
class Console:
    """The synced shop's daemon and its web app, on the sandbox's clock."""

    settings: Settings
    clock: FrozenClock
    db: Database
    daemon: Daemon
    app: Any

    def client(self, address: str = "10.0.0.7") -> Client:
        return Staff(self.app, address)

    def login(self, user: str, password: str | None = None, address: str = "10.0.0.7") -> Client:
        client = self.client(address)
        answer = post_login(client, user, PASSWORDS[user] if password is None else password)
        assert answer.status_code == 303, answer.get_data(as_text=True)
        return client


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    """A WooCommerce sandbox synced once by the real CLI, and the daemon serving /console."""
    from connector.sandbox.woocommerce import WooCommerceSandbox

    with WooCommerceSandbox(demo_spec(), clock=FrozenClock(demo_spec().start)) as store:
        creds = store.credentials()
        monkeypatch.setenv("OUTLET_KEY", creds["consumer_key"])
        monkeypatch.setenv("OUTLET_SECRET", creds["consumer_secret"])
        monkeypatch.setenv("OUTLET_HOOK", "hook-secret")
        monkeypatch.setenv("CONNECTOR_CONSOLE_SECRET", CONSOLE_SECRET)
        config = tmp_path / "connector.toml"
        config.write_text(
            CONFIG.format(db=tmp_path / "state.db", outbox=tmp_path / "outbox", url=store.base_url)
            + console_config()
        )
        monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
        assert main(["--config", str(config), "run", "--once"]) == 0
        settings = load_settings(config)
        clock = FrozenClock(store.clock())
        db = open_database(settings.database_url, clock=clock)
        # Leases on the database's clock, as every daemon and `connector resync` keep them.
        daemon = Daemon(settings, db, clock=clock, lease_clock=database_clock(db.engine))
        try:
            yield Console(settings, clock, db, daemon, daemon.web_app())
        finally:
            daemon.close()
            db.close()


def text(answer: TestResponse) -> str:
    """The page as a browser shows its words (entities decoded)."""
    return html.unescape(answer.get_data(as_text=True))


def csrf_of(page: str) -> str:
    return re.findall(r'name="csrf" value="([^"]+)"', page)[0]


def post_login(client: Client, user: str, password: str) -> TestResponse:
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"csrf": csrf_of(text(form)), "user": user, "password": password},
    )


def waiting_order(console: Console) -> tuple[str, str, str]:
    """(order id, number, customer email) of an order with a waiting line."""
    entry = console.db.queue("outlet")[0]
    order = console.db.order("outlet", entry.order_id)
    assert order is not None
    return order.platform_id, order.number, order.customer.email


def test_every_page_and_action_needs_a_login(console: Console) -> None:
    client = console.client()
    order_id, _, _ = waiting_order(console)
    for path in ("/console/", "/console/orders?q=1", f"/console/order?shop=outlet&id={order_id}"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith("/console/login")
    answer = client.post("/console/order/resync", data={"shop": "outlet", "id": order_id})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/console/login")
    assert pending_resyncs(console.db.engine, "outlet") == []
    assert "Log in" in text(client.get("/console/login"))
    # A forged session cookie is no session either.
    client.set_cookie("connector_console", "eyJ4IjoxfQ.AAAA", path="/console/")
    assert client.get("/console/").status_code == 303


def test_support_finds_an_order_by_number_and_email_reads_its_story_and_resyncs_it(
    console: Console,
) -> None:
    client = console.login("sam")
    overview = text(client.get("/console/"))
    for words in ("outlet", "last sync", "queue", "outbox", "resyncs", "lease"):
        assert words in overview
    order_id, number, email = waiting_order(console)

    by_number = client.get(f"/console/orders?q={number}", follow_redirects=True)
    page = text(by_number)
    assert f"Order {number}" in page
    story = console.db.queue("outlet")
    sku = next(entry.sku for entry in story if entry.order_id == order_id)
    assert sku in page and "Resync this order" in page
    assert "backorder_confirmation" in page  # the emails sent about it
    by_email = text(client.get(f"/console/orders?q={email.upper()}", follow_redirects=True))
    assert number in by_email

    answer = client.post(
        "/console/order/resync", data={"csrf": csrf_of(page), "shop": "outlet", "id": order_id}
    )
    assert answer.status_code == 303
    [queued] = pending_resyncs(console.db.engine, "outlet")
    # Exactly what `connector resync --order N` queues when a daemon holds the shop.
    assert queued.target.order_ids == (order_id,) and not queued.target.everything
    assert queued.source == "console:sam"
    page = text(client.get(answer.headers["Location"]))
    assert re.search(r"state-waiting\">waiting", page), page

    # The daemon's next cycle (a running daemon is woken at once).
    assert console.daemon.work_shop("outlet") is not None
    assert pending_resyncs(console.db.engine, "outlet") == []
    page = text(client.get(answer.headers["Location"]))
    assert re.search(r"state-done\">done", page), page


def test_a_form_without_the_session_token_does_nothing(console: Console) -> None:
    client = console.login("sam")
    order_id, _, _ = waiting_order(console)
    other = console.login("olive")
    stolen = csrf_of(text(other.get("/console/")))
    for token in ("", "forged", stolen):
        answer = client.post(
            "/console/order/resync", data={"csrf": token, "shop": "outlet", "id": order_id}
        )
        assert answer.status_code == 403
        assert "nothing was done" in text(answer)
    assert pending_resyncs(console.db.engine, "outlet") == []
    assert client.post("/console/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/console/").status_code == 200  # still logged in
    # The login form has its own token too.
    fresh = console.client()
    refused = fresh.post("/console/login", data={"user": "sam", "password": PASSWORDS["sam"]})
    assert refused.status_code == 400 and "expired" in text(refused)


def test_support_cannot_open_the_owners_audit_log_which_records_who_did_what(
    console: Console,
) -> None:
    sam = console.login("sam")
    refused = sam.get("/console/audit")
    assert refused.status_code == 403 and "for the store owner" in text(refused)
    assert "Audit log" not in text(sam.get("/console/"))
    _, number, _ = waiting_order(console)
    sam.get(f"/console/orders?q={number}")
    post_login(console.client(), "sam", "not the password")

    olive = console.login("olive")
    log = text(olive.get("/console/audit"))
    assert "Audit log" in text(olive.get("/console/"))
    for words in ("sam", "(support)", "login", "login failed", "lookup", number, "10.0.0.7"):
        assert words in log


def test_logins_are_throttled_per_address_and_user(console: Console) -> None:
    client = console.client("10.0.0.9")
    for _ in range(3):
        answer = post_login(client, "sam", "guess")
        assert answer.status_code == 401 and "Wrong user name or password" in text(answer)
    blocked = post_login(client, "sam", PASSWORDS["sam"])
    assert blocked.status_code == 429 and "Too many failed logins" in text(blocked)
    # Another user from that address, and that user from another address, still log in.
    console.login("olive", address="10.0.0.9")
    console.login("sam", address="10.0.0.10")
    console.clock.advance(timedelta(minutes=10, seconds=1))
    console.login("sam", address="10.0.0.9")


def test_sessions_are_strict_httponly_secure_cookies_and_end_at_logout(console: Console) -> None:
    client = console.client()
    answer = post_login(client, "sam", PASSWORDS["sam"])
    cookie = next(
        value
        for value in answer.headers.getlist("Set-Cookie")
        if value.startswith("connector_console=")
    )
    for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/console/"):
        assert flag in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    page = text(client.get("/console/"))
    assert client.post("/console/logout", data={"csrf": csrf_of(page)}).status_code == 303
    # The cookie's value, replayed after the logout, opens nothing.
    replay = console.client()
    replay.set_cookie("connector_console", token, path="/console/")
    assert replay.get("/console/").status_code == 303
    # Nor does a session outlive its hours.
    again = console.login("sam")
    console.clock.advance(timedelta(hours=console.settings.console.session_hours, seconds=1))
    assert again.get("/console/").status_code == 303


def test_no_page_shows_a_password_hash_or_a_secret(console: Console) -> None:
    olive = console.login("olive")
    order_id, number, _ = waiting_order(console)
    pages = [
        text(olive.get(path, follow_redirects=True))
        for path in (
            "/console/",
            f"/console/orders?q={number}",
            f"/console/order?shop=outlet&id={order_id}",
            "/console/audit",
            "/console/login",
        )
    ]
    for page in pages:
        assert "$argon2" not in page
        assert CONSOLE_SECRET not in page
        assert "hook-secret" not in page
        assert all(password not in page for password in PASSWORDS.values())


def test_the_owner_adds_a_purchase_order_as_po_add_does_and_the_waiting_line_moves(
    console: Console,
) -> None:
    olive = console.login("olive")
    order_id, _, _ = waiting_order(console)
    entry = next(e for e in console.db.queue("outlet") if e.order_id == order_id)
    order_page = f"/console/order?shop=outlet&id={order_id}"
    before = text(olive.get(order_page))
    page = text(olive.get("/console/purchase-orders"))
    today = console.clock().date()
    form = {"csrf": csrf_of(page), "shop": "outlet", "sku": entry.sku, "quantity": "50"}

    past = olive.post(
        "/console/purchase-orders", data={**form, "expected": str(today - timedelta(days=3))}
    )
    assert past.status_code == 422
    assert f"is in the past (today is {today.isoformat()} in outlet)" in text(past)
    bad = olive.post("/console/purchase-orders", data={**form, "expected": "12/24"})
    assert "wants YYYY-MM-DD, got '12/24'" in text(bad)
    assert console.db.purchase_orders("outlet", sku=entry.sku) == []

    due = today + timedelta(days=4)
    saved = olive.post(
        "/console/purchase-orders",
        data={**form, "expected": due.isoformat(), "reference": "SUP-7", "supplier": "Nordic"},
    )
    assert saved.status_code == 303
    listing = text(olive.get(saved.headers["Location"]))
    assert f"Purchase order SUP-7:{entry.sku}: 50 x {entry.sku}, expected {due}." in listing
    [po] = console.db.purchase_orders("outlet", sku=entry.sku)
    assert (po.id, po.quantity, po.expected_date, po.supplier) == (
        f"SUP-7:{entry.sku}",
        50,
        due,
        "Nordic",
    )
    unknown = olive.post(
        "/console/purchase-orders",
        data={**form, "sku": "NO-SUCH-SKU", "expected": due.isoformat()},
    )
    assert "NO-SUCH-SKU is not a SKU of outlet's catalog" in text(
        olive.get(unknown.headers["Location"])
    )
    assert "po add" in text(olive.get("/console/audit"))

    console.daemon.work_shop("outlet")  # the next cycle promises from the new supply
    after = text(olive.get(order_page))
    old_eta = entry.eta
    assert old_eta is not None and old_eta.isoformat() in before
    new_eta = next(e for e in console.db.queue("outlet") if e.order_id == order_id).eta
    assert new_eta is not None and new_eta < old_eta
    queue = after.split("<h2>Queue</h2>")[1].split("</section>")[0]
    assert new_eta.isoformat() in queue and old_eta.isoformat() not in queue
    assert f"{new_eta.isoformat()} (was {old_eta.isoformat()})" in after  # the promise history


def test_support_can_neither_see_nor_add_purchase_orders(console: Console) -> None:
    sam = console.login("sam")
    assert sam.get("/console/purchase-orders").status_code == 403
    page = text(sam.get("/console/"))
    answer = sam.post(
        "/console/purchase-orders",
        data={"csrf": csrf_of(page), "shop": "outlet", "sku": "X", "quantity": "5"},
    )
    assert answer.status_code == 403 and "for the store owner" in text(answer)
    assert console.db.purchase_orders("outlet", open_only=False) == []


def test_without_console_users_there_is_no_console(console: Console) -> None:
    from dataclasses import replace

    from connector.settings import ConsoleSettings

    settings = replace(console.settings, console=ConsoleSettings())
    daemon = Daemon(settings, console.db, clock=console.clock)
    try:
        client = Client(daemon.web_app())
        assert client.get("/console/").status_code == 404
        assert client.get("/console/login").status_code == 404
    finally:
        daemon.close()


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_address(console: Console) -> None:
    proxy = console.client("10.0.0.1")
    for _ in range(3):
        post_login(proxy, "sam", "guess")  # from the proxy, forwarded for nobody: its own address
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    form = proxy.get("/console/login", headers=forwarded)
    answer = proxy.post(
        "/console/login",
        headers=forwarded,
        data={"csrf": csrf_of(text(form)), "user": "sam", "password": PASSWORDS["sam"]},
    )
    assert answer.status_code == 303  # 203.0.113.5 failed nothing
    # From anyone but the proxy the header is ignored: it cannot dodge the limit.
    spoofer = console.client("10.0.0.8")
    for _ in range(3):
        post_login(spoofer, "olive", "guess")
    form = spoofer.get("/console/login")
    blocked = spoofer.post(
        "/console/login",
        headers={"X-Forwarded-For": "198.51.100.1"},
        data={"csrf": csrf_of(text(form)), "user": "olive", "password": PASSWORDS["olive"]},
    )
    assert blocked.status_code == 429
    log = text(console.login("olive").get("/console/audit"))
    assert "203.0.113.5" in log and "198.51.100.1" not in log


def test_a_skus_queue_shows_every_waiting_order_in_line_with_its_supply(console: Console) -> None:
    sam = console.login("sam")
    order_id, number, _ = waiting_order(console)
    sku = next(e.sku for e in console.db.queue("outlet") if e.order_id == order_id)
    order_page = text(sam.get(f"/console/order?shop=outlet&id={order_id}"))
    assert f"/console/queue?sku={sku}" in order_page
    page = text(sam.get(f"/console/queue?sku={sku}"))
    queue = console.db.queue("outlet", sku)
    assert f"{sku} in outlet" in page and number in page
    for entry in queue:
        assert entry.customer_email in page and entry.reason in page
    assert "No open purchase order." in page
    assert "no purchase order brings it" in text(sam.get("/console/queue?sku=NOPE"))


def test_the_owner_receives_units_with_po_receives_checks(console: Console) -> None:
    olive = console.login("olive")
    page = text(olive.get("/console/purchase-orders"))
    due = console.clock().date() + timedelta(days=4)
    olive.post(
        "/console/purchase-orders",
        data={
            "csrf": csrf_of(page),
            "shop": "outlet",
            "sku": "NEW-1",
            "quantity": "4",
            "expected": due.isoformat(),
            "reference": "R1",
        },
    )
    page = text(olive.get("/console/purchase-orders"))
    form = {"csrf": csrf_of(page), "shop": "outlet", "id": "R1:NEW-1"}
    done = olive.post("/console/purchase-orders/receive", data={**form, "units": "3"})
    assert "Purchase order R1:NEW-1: 3/4 received." in text(olive.get(done.headers["Location"]))
    too_many = olive.post("/console/purchase-orders/receive", data={**form, "units": "99"})
    assert too_many.status_code == 422
    assert "99 more would make 102/4" in text(too_many)
    assert "add 'more than ordered' if the supplier sent more" in text(too_many)
    [po] = console.db.purchase_orders("outlet", sku="NEW-1", open_only=False)
    assert po.received == 3
    more = olive.post(
        "/console/purchase-orders/receive", data={**form, "units": "2", "more": "yes"}
    )
    assert "5/4 received (1 more than ordered)" in text(olive.get(more.headers["Location"]))
    unknown = olive.post(
        "/console/purchase-orders/receive", data={**form, "id": "NOPE", "units": "1"}
    )
    assert "no purchase order 'NOPE' in shop 'outlet'" in text(unknown)
    assert "po receive" in text(olive.get("/console/audit"))

    sam = console.login("sam")
    csrf = csrf_of(text(sam.get("/console/")))
    refused = sam.post(
        "/console/purchase-orders/receive", data={**form, "csrf": csrf, "units": "1"}
    )
    assert refused.status_code == 403
    [po] = console.db.purchase_orders("outlet", sku="NEW-1", open_only=False)
    assert po.received == 5
