"""``[console]``: who may log in, with what role, and how a wrong entry is reported."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli.main import cli
from connector.config import parse_settings
from connector.errors import ConfigError
from connector.web.passwords import hash_password, verify_password

ENV = {"TOKEN": "shpat_x", "CONSOLE_SECRET": "k" * 40, "SHORT": "short"}
SHOP = {
    "name": "acme",
    "platform": "shopify",
    "url": "https://acme.myshopify.com",
    "access_token": "env:TOKEN",
}


def _problems(console: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"shops": [SHOP], "console": console}, ENV)
    return {p.key: p.message for p in caught.value.problems}


def test_the_console_is_off_without_users_and_on_with_a_user_and_a_secret() -> None:
    assert not parse_settings({"shops": [SHOP]}, ENV).console.enabled
    hashed = hash_password("a long enough password")
    settings = parse_settings(
        {
            "shops": [SHOP],
            "console": {
                "secret": "env:CONSOLE_SECRET",
                "users": [{"name": "sam", "role": "support", "password_hash": hashed}],
            },
        },
        ENV,
    )
    assert settings.console.enabled
    user = settings.console.user("sam")
    assert user is not None and user.role == "support"
    assert verify_password(user.password_hash, "a long enough password")
    assert not verify_password(user.password_hash, "a long enough passwor")


def test_each_console_mistake_is_one_line_naming_its_key() -> None:
    good = hash_password("a long enough password")
    problems = _problems(
        {
            "secret": "env:SHORT",
            "trusted_proxies": ["nginx"],
            "public_url": "orders.example.com",
            "session_hours": 0,
            "users": [
                {"name": "sam", "role": "admin", "password_hash": good},
                {"name": "kim", "role": "owner", "password_hash": "hunter2hunter2"},
                {"name": "kim", "role": "owner", "password_hash": good},
            ],
        }
    )
    assert problems["console.secret"].startswith("at least 32 characters")
    assert "http(s) URL" in problems["console.public_url"]
    assert "an IP address" in problems["console.trusted_proxies[0]"]
    assert problems["console.session_hours"] == "at least 1"
    assert "expected one of support, owner" in problems["console.users[sam].role"]
    assert "connector console hash-password" in problems["console.users[kim].password_hash"]
    assert "duplicate user name 'kim'" in problems["console.users[kim].name"]
    # The value written where a hash belongs may be a password: it is never echoed.
    assert all("hunter2" not in message for message in problems.values())
    missing = _problems({"users": [{"name": "sam", "role": "owner", "password_hash": good}]})
    assert "secret" in missing["console.secret"]


def test_hash_password_prints_a_hash_the_config_accepts_and_never_the_password() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["console", "hash-password"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    line = result.output.strip()
    assert line.startswith('password_hash = "$argon2id$')
    hashed = line.split('"')[1]
    assert verify_password(hashed, "a long enough password")

    short = runner.invoke(cli, ["console", "hash-password"], input="short\n")
    assert short.exit_code != 0
    assert "at least 12 characters" in str(short.exception or short.output)
