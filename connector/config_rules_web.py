"""The config rules of the web faces: ``[web]`` (the customer page's signed links) and
``[console]`` (users with a role and a password hash). Both sign with a secret of their own and
may name a public URL, checked by one rule each.

Registered by :mod:`connector.config_rules`; each problem names its key.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from connector.errors import ConfigProblem
from connector.settings import Secret

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_console", "check_console_user", "check_web"]


def _secret_and_url(node: Node) -> list[ConfigProblem]:
    """A signing secret of 32+ characters and an http(s) ``public_url`` with a host."""
    values, problems = node.values, []
    secret = values.get("secret")
    if isinstance(secret, Secret) and len(secret.reveal()) < 32:
        problems.append(
            ConfigProblem(
                node.key("secret"),
                "at least 32 characters (e.g. python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')",
            )
        )
    url = values.get("public_url")
    if isinstance(url, str) and url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                ConfigProblem(
                    node.key("public_url"),
                    f"expected an http(s) URL with a host, like https://orders.example.com, "
                    f"got {url!r}",
                )
            )
    return problems


def check_web(node: Node) -> list[ConfigProblem]:
    """``[web]``: a public URL needs a secret to sign the links with; links live at least a day."""
    values = node.values
    problems = []
    if values.get("public_url") and "secret" not in node.raw_keys:
        problems.append(
            ConfigProblem(node.key("secret"), "public_url needs a secret to sign the links")
        )
    problems += _secret_and_url(node)
    days = values.get("link_days")
    if isinstance(days, int) and days < 1:
        problems.append(ConfigProblem(node.key("link_days"), "at least 1 day"))
    return problems


def check_console_user(node: Node) -> list[ConfigProblem]:
    from connector.web.passwords import hash_problem

    problems = []
    name = node.values.get("name")
    if isinstance(name, str) and (not name.strip() or name != name.strip()):
        problems.append(ConfigProblem(node.key("name"), "a user name without spaces around it"))
    hashed = node.values.get("password_hash")
    # Absent is allowed here; check_console requires sso_header for such a user.
    given = "password_hash" in node.raw_keys
    message = hash_problem(hashed) if isinstance(hashed, str) and given else None
    if message:
        problems.append(ConfigProblem(node.key("password_hash"), message))
    return problems


def check_console(node: Node) -> list[ConfigProblem]:
    values, problems = node.values, []
    users = values.get("users")
    if users and "secret" not in node.raw_keys:
        problems.append(
            ConfigProblem(
                node.key("secret"),
                "users need a secret to sign their sessions: secret = env:NAME (32+ characters)",
            )
        )
    problems += _secret_and_url(node)
    proxies = values.get("trusted_proxies")
    for index, address in enumerate(proxies if isinstance(proxies, tuple) else ()):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            problems.append(
                ConfigProblem(
                    f"{node.key('trusted_proxies')}[{index}]",
                    f"expected an IP address like 127.0.0.1, got {address!r}",
                )
            )
    problems += _sso(node)
    for name in ("session_hours", "login_attempts", "lockout_minutes"):
        number = values.get(name)
        if isinstance(number, int) and number < 1:
            problems.append(ConfigProblem(node.key(name), "at least 1"))
    return problems


_HEADER = re.compile(r"^[A-Za-z0-9-]+$")


def _sso(node: Node) -> list[ConfigProblem]:
    """``sso_header`` needs the proxies it is trusted from; a user without a password needs it."""
    values, problems = node.values, []
    header = values.get("sso_header")
    if isinstance(header, str) and header:
        if not _HEADER.match(header):
            problems.append(
                ConfigProblem(
                    node.key("sso_header"), f"a header name like X-Forwarded-User, got {header!r}"
                )
            )
        if not values.get("trusted_proxies"):
            problems.append(
                ConfigProblem(
                    node.key("sso_header"),
                    "needs trusted_proxies: from anyone else the header would let them in as anyone",
                )
            )
    users = values.get("users")
    for index, user in enumerate(users if isinstance(users, tuple) else ()):
        if not getattr(user, "password_hash", "x") and not header:
            problems.append(
                ConfigProblem(
                    f"{node.key('users')}[{getattr(user, 'name', index)}].password_hash",
                    "required (make one with `connector console hash-password`), "
                    "unless sso_header logs users in",
                )
            )
    return problems
