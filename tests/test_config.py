"""The config loader: what a store owner sees when the file is right, and when it is wrong."""

from __future__ import annotations

import dataclasses
import re
import typing
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connector.config import load_settings, parse_settings
from connector.errors import ConfigError
from connector.model import Platform
from connector.settings import PolicyMode, Secret, Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
EXAMPLE_ENV = {
    "ACME_SHOPIFY_TOKEN": "shpat_example",
    "ACME_SHOPIFY_CLIENT_SECRET": "client-secret",
    "OUTLET_WC_KEY": "ck_example",
    "OUTLET_WC_SECRET": "cs_example",
    "OUTLET_WC_WEBHOOK_SECRET": "wh_example",
    "SMTP_PASSWORD": "smtp-pass",
    "CONNECTOR_CONSOLE_SECRET": "c" * 40,
}
ENV = {"TOKEN": "shpat_secret_value", "WC_KEY": "ck_1", "WC_SECRET": "cs_1"}


def shopify(**extra: Any) -> dict[str, Any]:
    return {
        "name": "acme",
        "platform": "shopify",
        "url": "https://acme.myshopify.com",
        "access_token": "env:TOKEN",
        **extra,
    }


def woo(**extra: Any) -> dict[str, Any]:
    return {
        "name": "outlet",
        "platform": "woocommerce",
        "url": "https://outlet.example.com",
        "consumer_key": "env:WC_KEY",
        "consumer_secret": "env:WC_SECRET",
        **extra,
    }


def problems_of(data: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, str]:
    """The problems a config produces, as {key: message}."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(data, ENV if env is None else env, "test.toml")
    return {p.key: p.message for p in caught.value.problems}


# -- good configs ------------------------------------------------------------------------------------


def test_example_config_loads_with_its_environment() -> None:
    settings = load_settings(EXAMPLE, EXAMPLE_ENV)

    acme, outlet = settings.shops
    assert (acme.name, acme.platform, acme.url) == (
        "acme",
        Platform.SHOPIFY,
        "https://acme-furniture.myshopify.com",
    )
    assert acme.access_token is not None and acme.access_token.reveal() == "shpat_example"
    assert outlet.platform is Platform.WOOCOMMERCE and outlet.currency == "EUR"
    assert outlet.branding.name == "Outlet"
    sofas, launch, clearance = settings.policies
    assert sofas.mode is PolicyMode.BACKORDER and sofas.max_wait_days == 45
    assert sofas.match.skus == ("SOFA-*",)
    assert sofas.delay_discount_percent == Decimal("10")
    assert launch.release_date == date(2027, 3, 1)
    assert clearance.mode is PolicyMode.STOP
    assert settings.default_policy.name == "default"
    assert settings.email.smtp_password == Secret("smtp-pass")


def _field_names(cls: type[Any], seen: set[type[Any]]) -> set[str]:
    names: set[str] = set()
    seen.add(cls)
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        names.add(spec.name)
        for candidate in (hints[spec.name], *typing.get_args(hints[spec.name])):
            is_table = dataclasses.is_dataclass(candidate) and isinstance(candidate, type)
            if is_table and candidate not in seen:
                names |= _field_names(candidate, seen)
    return names


def test_example_config_documents_every_settings_key() -> None:
    text = EXAMPLE.read_text()
    written = set(re.findall(r"^\s*#?\s*([a-z_]+)\s*=", text, re.MULTILINE))
    written |= set(re.findall(r"^\[\[?(?:[a-z_]+\.)?([a-z_]+)\]\]?", text, re.MULTILINE))

    missing = _field_names(Settings, set()) - written
    assert not missing, f"config.example.toml does not document: {sorted(missing)}"


def test_settings_are_frozen_and_secrets_never_print() -> None:
    settings = parse_settings({"shops": [shopify()]}, ENV)

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.database_url = "sqlite:///other.db"  # type: ignore[misc]
    assert "shpat_secret_value" not in repr(settings)
    assert "shpat_secret_value" not in str(settings.shops[0].access_token)
    assert settings.shops[0].access_token is not None
    assert settings.shops[0].access_token.source == "env:TOKEN"


def test_database_url_comes_from_the_environment_when_set() -> None:
    env = {**ENV, "CONNECTOR_DATABASE_URL": "postgresql+psycopg://u:pw@db.internal/connector"}
    settings = parse_settings({"shops": [shopify()], "database_url": "sqlite:///x.db"}, env)

    assert settings.database_url == "postgresql+psycopg://u:pw@db.internal/connector"


def test_local_sandbox_url_is_accepted_for_shopify() -> None:
    settings = parse_settings({"shops": [shopify(url="http://127.0.0.1:8123")]}, ENV)

    assert settings.shops[0].url == "http://127.0.0.1:8123"


def test_types_convert_from_toml_values() -> None:
    data = {
        "shops": [woo(timeout_seconds=5, enabled=False)],
        "policies": [
            {
                "name": "p",
                "mode": "preorder",
                "release_date": "2027-01-15",
                "delay_discount_percent": 12.5,
                "match": {"tags": ["x"]},
            }
        ],
    }
    settings = parse_settings(data, ENV)

    assert settings.shops[0].timeout_seconds == 5.0 and settings.shops[0].enabled is False
    assert settings.policies[0].release_date == date(2027, 1, 15)
    assert settings.policies[0].delay_discount_percent == Decimal("12.5")


def test_a_config_file_that_is_not_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[shops]]\nname = "a\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(path, ENV)

    assert "line 2" in str(caught.value) and str(path) in str(caught.value)


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="connector init"):
        load_settings(tmp_path / "nope.toml", ENV)


# -- malformed configs: each names the key --------------------------------------------------------

MALFORMED: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "missing shop name",
        {
            "shops": [
                {
                    "platform": "shopify",
                    "url": "https://a.myshopify.com",
                    "access_token": "env:TOKEN",
                }
            ]
        },
        "shops[0].name",
        "missing required key",
    ),
    (
        "unknown platform",
        {"shops": [shopify(platform="magento")]},
        "shops[acme].platform",
        "expected one of shopify, woocommerce",
    ),
    (
        "missing url",
        {"shops": [{"name": "acme", "platform": "woocommerce"}]},
        "shops[acme].url",
        "missing",
    ),
    (
        "url without scheme",
        {"shops": [woo(url="outlet.example.com")]},
        "shops[outlet].url",
        "http(s) URL",
    ),
    (
        "shopify url not myshopify",
        {"shops": [shopify(url="https://acme.com")]},
        "shops[acme].url",
        "myshopify.com",
    ),
    (
        "secret in plain text",
        {"shops": [shopify(access_token="shpat_abc123")]},
        "shops[acme].access_token",
        "put secrets in the environment: write env:NAME",
    ),
    (
        "secret variable not set",
        {"shops": [shopify(access_token="env:NOT_SET")]},
        "shops[acme].access_token",
        "NOT_SET is not set",
    ),
    (
        "unknown key with suggestion",
        {"shops": [shopify(acess_token="env:TOKEN")]},
        "shops[acme].acess_token",
        "did you mean access_token?",
    ),
    (
        "unknown top-level key",
        {"shops": [shopify()], "databse_url": "x"},
        "databse_url",
        "did you mean database_url?",
    ),
    (
        "wrong type",
        {"shops": [shopify(max_retries="six")]},
        "shops[acme].max_retries",
        "expected a whole number, got a string",
    ),
    (
        "duplicate shop",
        {"shops": [shopify(), shopify(url="https://acme2.myshopify.com")]},
        "shops[acme].name",
        "duplicate shop name",
    ),
    (
        "policy without a match",
        {"shops": [shopify()], "policies": [{"name": "sofas", "mode": "backorder"}]},
        "policies[sofas].match",
        "at least one match criterion",
    ),
    (
        "duplicate policy",
        {
            "shops": [shopify()],
            "policies": [{"name": "p", "mode": "stop", "match": {"tags": ["a"]}}] * 2,
        },
        "policies[p].name",
        "duplicate policy name",
    ),
    (
        "preorder without release date",
        {
            "shops": [shopify()],
            "policies": [{"name": "launch", "mode": "preorder", "match": {"tags": ["new"]}}],
        },
        "policies[launch].release_date",
        "needs a release_date",
    ),
    (
        "invalid shell pattern",
        {
            "shops": [shopify()],
            "policies": [{"name": "p", "mode": "stop", "match": {"skus": ["SOFA-[AB"]}}],
        },
        "policies[p].match.skus[0]",
        "unclosed '['",
    ),
    (
        "bad currency",
        {"shops": [shopify(currency="EURO")]},
        "shops[acme].currency",
        "currency code",
    ),
    ("bad locale", {"shops": [shopify(locale="xx_YY")]}, "shops[acme].locale", "unknown locale"),
    (
        "bad timezone",
        {"shops": [shopify(timezone="Mars/Olympus")]},
        "shops[acme].timezone",
        "unknown time zone",
    ),
    (
        "shopify without credentials",
        {
            "shops": [
                {
                    "name": "acme",
                    "platform": "shopify",
                    "url": "https://acme.myshopify.com",
                    "client_id": "abc",
                }
            ]
        },
        "shops[acme].access_token",
        "client_id and client_secret",
    ),
    (
        "woocommerce without consumer secret",
        {
            "shops": [
                {
                    "name": "outlet",
                    "platform": "woocommerce",
                    "url": "https://o.example.com",
                    "consumer_key": "env:WC_KEY",
                }
            ]
        },
        "shops[outlet].consumer_secret",
        "WooCommerce needs consumer_secret",
    ),
    (
        "smtp without host",
        {"shops": [shopify()], "email": {"transport": "smtp"}},
        "email.smtp_host",
        "needs smtp_host",
    ),
    (
        "negative number",
        {"shops": [shopify(overlap_seconds=-5)]},
        "shops[acme].overlap_seconds",
        "must not be negative",
    ),
    (
        "bad api version",
        {"shops": [shopify(api_version="2026-13")]},
        "shops[acme].api_version",
        "YYYY-MM",
    ),
    (
        "invalid email",
        {"shops": [shopify()], "email": {"from_address": "shop at example"}},
        "email.from_address",
        "not a valid email",
    ),
    (
        "invalid branding email",
        {"shops": [shopify(branding={"support_email": "help@"})]},
        "shops[acme].branding.support_email",
        "not a valid email",
    ),
    (
        "bad database scheme",
        {"shops": [shopify()], "database_url": "mysql://x/y"},
        "database_url",
        "unsupported database URL",
    ),
    (
        "postgres without psycopg",
        {"shops": [shopify()], "database_url": "postgresql://x/y"},
        "database_url",
        "postgresql+psycopg://",
    ),
    ("no shops", {}, "shops", "at least one [[shops]]"),
    (
        "bad literal",
        {"shops": [shopify()], "log_format": "xml"},
        "log_format",
        "expected one of text, json",
    ),
    (
        "policy names an unknown shop",
        {
            "shops": [shopify()],
            "policies": [{"name": "p", "mode": "stop", "match": {"shops": ["acmee"]}}],
        },
        "policies[p].match.shops[0]",
        "no shop named 'acmee'",
    ),
    ("shops not an array", {"shops": {"name": "acme"}}, "shops", "array of tables"),
    (
        "bad date",
        {
            "shops": [shopify()],
            "policies": [
                {"name": "p", "mode": "preorder", "release_date": "soon", "match": {"tags": ["a"]}}
            ],
        },
        "policies[p].release_date",
        "a date like",
    ),
]


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_config_names_the_key(data: dict[str, Any], key: str, message: str) -> None:
    found = problems_of(data)

    assert key in found, f"expected a problem at {key}, got {found}"
    assert message in found[key]


def test_three_problems_are_reported_together() -> None:
    data = {
        "shops": [shopify(platform="magento"), woo(consumer_key="ck_plain_text")],
        "policies": [{"name": "sofas", "mode": "backorder"}],
    }

    with pytest.raises(ConfigError) as caught:
        parse_settings(data, ENV, "connector.toml")

    keys = [p.key for p in caught.value.problems]
    assert keys == ["shops[acme].platform", "shops[outlet].consumer_key", "policies[sofas].match"]
    assert str(caught.value).startswith("3 config problems in connector.toml:")


def test_a_plain_text_secret_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"shops": [shopify(access_token="shpat_leak_me")]}, ENV)

    assert "shpat_leak_me" not in str(caught.value)


def test_a_broken_secret_is_not_reported_twice_as_missing_credentials() -> None:
    found = problems_of({"shops": [shopify(access_token="env:NOPE")]})

    assert list(found) == ["shops[acme].access_token"]


def test_a_disabled_shop_needs_no_credentials_but_an_enabled_one_does() -> None:
    """A config may name shops only to read their state (the demo's --keep config does)."""
    shops = [
        {"name": "old", "platform": "shopify", "url": "http://127.0.0.1:1", "enabled": False},
        {"name": "gone", "platform": "woocommerce", "url": "https://w.example", "enabled": False},
    ]
    settings = parse_settings({"shops": shops}, env={}, source="test")
    assert [shop.enabled for shop in settings.shops] == [False, False]
    with pytest.raises(ConfigError) as raised:
        parse_settings({"shops": [{**shops[1], "enabled": True}]}, env={}, source="test")
    assert "WooCommerce needs consumer_key = env:NAME" in str(raised.value)
