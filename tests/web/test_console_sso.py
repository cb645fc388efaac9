"""``[console] sso_header``: a trusted reverse proxy's header logs a configured user in; from
anyone else, or naming anyone else, it lets nobody in (issue 16)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from connector.config import parse_settings
from connector.daemon import Daemon
from connector.errors import ConfigError
from connector.lease import database_clock
from connector.web.console import audit
from tests.web.test_console import Console, Staff, console, text  # noqa: F401
from tests.web.test_console_config import ENV, SHOP

HEADER = "X-Forwarded-User"


class Proxied(Staff):
    """Requests that carry the SSO header, from ``address``."""

    def __init__(self, app: Any, address: str, name: str) -> None:
        super().__init__(app, address)
        self.name = name

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            kwargs.setdefault("headers", {HEADER: self.name})
        return super().open(*args, **kwargs)


def _app(console: Console, header: str = HEADER) -> Any:  # noqa: F811
    settings = replace(
        console.settings, console=replace(console.settings.console, sso_header=header)
    )
    daemon = Daemon(
        settings, console.db, clock=console.clock, lease_clock=database_clock(console.db.engine)
    )
    return daemon.web_app()


def test_the_proxys_header_logs_a_configured_user_in_with_the_configs_role(
    console: Console,  # noqa: F811
) -> None:
    app = _app(console)
    sam = Proxied(app, "10.0.0.1", "sam")  # 10.0.0.1 is the fixture's trusted proxy
    first = sam.get("/console/report?days=30")
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/console/report?days=30")
    assert "HttpOnly" in first.headers["Set-Cookie"]
    page = text(sam.get(first.headers["Location"]))
    assert "sam (support)" in page and "last 30 days" in page
    assert sam.get("/console/purchase-orders").status_code == 403  # the config's role holds
    [entry] = [e for e in audit.entries(console.db.engine, limit=10) if e.action == "login"]
    assert (entry.user, entry.detail, entry.address) == ("sam", "sso", "10.0.0.1")

    # The proxy now names someone else on the same browser: that person, not the cookie's.
    olive = Proxied(app, "10.0.0.1", "olive")
    olive._cookies = sam._cookies  # the same browser
    switched = olive.get("/console/")
    assert switched.status_code == 303
    assert "olive (owner)" in text(olive.get("/console/"))


def test_the_header_from_anyone_but_the_proxy_or_naming_a_stranger_lets_nobody_in(
    console: Console,  # noqa: F811
) -> None:
    app = _app(console)
    direct = Proxied(app, "10.0.0.7", "olive")  # reached the daemon around the proxy
    answer = direct.get("/console/")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/console/login")
    assert "connector_console=" not in answer.headers.get("Set-Cookie", "")
    stranger = Proxied(app, "10.0.0.1", "mallory")
    refused = stranger.get("/console/")
    assert refused.status_code == 403
    assert "mallory is not a user of this console." in text(refused)
    failed = [e for e in audit.entries(console.db.engine, limit=10) if e.user == "mallory"]
    assert failed and failed[0].action == audit.LOGIN_FAILED
    # Off by default: the header from the proxy itself is then just a header.
    plain = Proxied(console.app, "10.0.0.1", "olive")
    assert plain.get("/console/").headers["Location"].endswith("/console/login")


def _problems(console_table: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"shops": [SHOP], "console": console_table}, ENV)
    return {p.key: p.message for p in caught.value.problems}


def test_sso_needs_trusted_proxies_and_only_sso_users_may_go_without_a_password() -> None:
    base = {"secret": "env:CONSOLE_SECRET", "users": [{"name": "sam", "role": "support"}]}
    problems = _problems({**base, "sso_header": "X-Forwarded-User"})
    assert "needs trusted_proxies" in problems["console.sso_header"]
    problems = _problems(base)
    assert "unless sso_header" in problems["console.users[sam].password_hash"]
    assert (
        "a header name"
        in _problems({**base, "sso_header": "X User", "trusted_proxies": ["10.0.0.1"]})[
            "console.sso_header"
        ]
    )
    settings = parse_settings(
        {
            "shops": [SHOP],
            "console": {**base, "sso_header": "X-Forwarded-User", "trusted_proxies": ["10.0.0.1"]},
        },
        ENV,
    )
    assert settings.console.user("sam") is not None
