"""The store-owner rules a config must meet beyond types: URLs, credentials, policies, email, names.

:mod:`connector.config` converts the file along the settings dataclasses and hands every converted
table here as a :class:`~connector.config.Node`; each rule adds a :class:`ConfigProblem` naming the
dotted key. Rules only look at values that converted cleanly, so one mistake is reported once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import is_currency

from connector.config_rules_choices import check_choices
from connector.config_rules_engine import check_schedule_engine
from connector.config_rules_money import MONEY_RULES, check_shop_payments
from connector.config_rules_money_woo import check_payment_modes
from connector.config_rules_plans import check_deposits
from connector.config_rules_policy import check_match, check_policy
from connector.config_rules_reorder import REORDER_RULES
from connector.config_rules_vip import check_vip
from connector.config_rules_web import check_console, check_console_user, check_web
from connector.errors import ConfigProblem
from connector.model import Platform
from connector.settings import (
    Branding,
    ConsoleSettings,
    ConsoleUser,
    EmailSettings,
    PolicyMatch,
    PolicySettings,
    ScheduleSettings,
    Settings,
    ShopSettings,
    WebSettings,
)

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_nodes", "is_email", "redact_url"]

Problems = list[ConfigProblem]

# Counts and intervals where zero makes no sense (a zero timeout or interval would spin or fail).
_POSITIVE = frozenset(
    {
        "timeout_seconds",
        "requests_per_second",
        "sync_interval_minutes",
        "promise_check_minutes",
        "reconcile_orders",
        "engine_check_orders",
        "outbox_interval_seconds",
        "webhook_repair_hours",
        "lease_seconds",
        "hourly_cap",
        "smtp_port",
        "reminder_every_days",
    }
)
_API_VERSION = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+$")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_SANDBOX_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_email(text: str) -> bool:
    """A plain ``name@domain.tld`` address (display names are not accepted in the config)."""
    return bool(_EMAIL.match(text))


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def check_nodes(nodes: Iterable[Node]) -> Problems:
    """Every rule over every converted table; returns the problems found (empty when all is well)."""
    nodes = list(nodes)
    problems: Problems = []
    for node in nodes:
        rule = _RULES.get(node.cls)
        own = rule(node) if rule is not None else []
        # One line per mistake: a key the table's own rule already names (with the range it
        # wants) is not also reported by the generic sign check.
        named = {problem.key for problem in own}
        problems += [problem for problem in _numbers(node) if problem.key not in named]
        problems += own
    problems += _duplicates(nodes, ShopSettings, "shop")
    problems += _duplicates(nodes, PolicySettings, "policy")
    problems += _duplicates(nodes, ConsoleUser, "user")
    problems += _policy_shops(nodes)
    problems += check_payment_modes(nodes)
    problems += check_shop_payments(nodes)
    problems += check_deposits(nodes)
    problems += check_vip(nodes)
    return problems


def _numbers(node: Node) -> Problems:
    problems: Problems = []
    for name, value in node.values.items():
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            continue
        if value < 0:
            problems.append(ConfigProblem(node.key(name), f"must not be negative (got {value})"))
        elif value == 0 and name in _POSITIVE:
            problems.append(ConfigProblem(node.key(name), "must be more than 0"))
    return problems


def _shop(node: Node) -> Problems:
    values, problems = node.values, []
    platform = values.get("platform")
    url = values.get("url")
    if isinstance(url, str) and isinstance(platform, Platform):
        message = _url_problem(url, platform)
        if message:
            problems.append(ConfigProblem(node.key("url"), message))
    written = node.raw_keys
    # A disabled shop is left alone (no adapter is ever built for it): it needs no credentials,
    # so a config can name shops only to read their state (status, order, report).
    needs_keys = values.get("enabled", True) is not False
    if platform is Platform.SHOPIFY:
        if values.get("on_hold_fully_waiting") is True:
            problems.append(
                ConfigProblem(
                    node.key("on_hold_fully_waiting"),
                    "WooCommerce only: Shopify holds the waiting lines' fulfillment orders instead",
                )
            )
        version = values.get("api_version")
        if isinstance(version, str) and not _API_VERSION.match(version):
            problems.append(
                ConfigProblem(
                    node.key("api_version"),
                    f"expected a Shopify API version like 2026-10 (YYYY-MM), got {version!r}",
                )
            )
        if (
            needs_keys
            and "access_token" not in written
            and not {"client_id", "client_secret"} <= written
        ):
            problems.append(
                ConfigProblem(
                    node.key("access_token"),
                    "Shopify needs access_token = env:NAME, or client_id and client_secret",
                )
            )
    elif platform is Platform.WOOCOMMERCE and needs_keys:
        for name in ("consumer_key", "consumer_secret"):
            if name not in written:
                problems.append(
                    ConfigProblem(node.key(name), f"WooCommerce needs {name} = env:NAME")
                )
    window = values.get("po_receive_window_days")
    if isinstance(window, int) and not isinstance(window, bool) and window > 365:
        problems.append(
            ConfigProblem(
                node.key("po_receive_window_days"),
                f"at most 365 days (got {window}): a stock rise that long before a purchase "
                "order's date is a return or a count, not its delivery",
            )
        )
    problems += _shop_locale(node)
    return problems


def _url_problem(url: str, platform: Platform) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return f"not a valid URL: {url!r}"
    if parts.scheme not in ("http", "https") or not host:
        return f"expected an http(s) URL with a host, like https://shop.example.com, got {url!r}"
    if platform is Platform.SHOPIFY and host not in _SANDBOX_HOSTS:
        label = host.removesuffix(".myshopify.com")
        if parts.scheme != "https" or not host.endswith(".myshopify.com") or "." in label:
            return (
                "a Shopify shop URL is https://NAME.myshopify.com "
                f"(or http://127.0.0.1:PORT for a sandbox), got {url!r}"
            )
    return None


def _shop_locale(node: Node) -> Problems:
    values, problems = node.values, []
    currency = values.get("currency")
    if isinstance(currency, str) and not (len(currency) == 3 and is_currency(currency.upper())):
        problems.append(
            ConfigProblem(node.key("currency"), f"unknown ISO 4217 currency code {currency!r}")
        )
    locale = values.get("locale")
    if isinstance(locale, str) and not _locale_ok(locale):
        problems.append(
            ConfigProblem(node.key("locale"), f"unknown locale {locale!r} (e.g. en, de, fr_CA)")
        )
    zone = values.get("timezone")
    if isinstance(zone, str) and not _timezone_ok(zone):
        problems.append(
            ConfigProblem(node.key("timezone"), f"unknown time zone {zone!r} (e.g. Europe/Berlin)")
        )
    return problems


def _locale_ok(locale: str) -> bool:
    try:
        Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _timezone_ok(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _branding(node: Node) -> Problems:
    problems: Problems = []
    for name in ("support_email", "reply_to"):
        problems += _email_field(node, name)
    for name in ("primary_color", "accent_color"):
        color = node.values.get(name)
        if isinstance(color, str) and not _COLOR.match(color):
            problems.append(
                ConfigProblem(node.key(name), f"expected a colour like #1f2937, got {color!r}")
            )
    for name in ("logo_url", "website_url"):
        url = node.values.get(name)
        if isinstance(url, str) and url and urlsplit(url).scheme not in ("http", "https"):
            problems.append(ConfigProblem(node.key(name), f"expected an http(s) URL, got {url!r}"))
    return problems


def _email_field(node: Node, name: str, required: bool = False) -> Problems:
    value = node.values.get(name)
    if not isinstance(value, str) or (not value and not required):
        return []
    if not is_email(value):
        return [ConfigProblem(node.key(name), f"not a valid email address: {value!r}")]
    return []


def _email(node: Node) -> Problems:
    values, problems = node.values, []
    problems += _email_field(node, "from_address", required=True)
    problems += _email_field(node, "reply_to")
    problems += _email_field(node, "owner_email")
    if values.get("transport") == "smtp":
        host = values.get("smtp_host")
        if "smtp_host" not in node.raw_keys or (isinstance(host, str) and not host.strip()):
            problems.append(
                ConfigProblem(node.key("smtp_host"), 'transport = "smtp" needs smtp_host')
            )
        if "smtp_username" in node.raw_keys and "smtp_password" not in node.raw_keys:
            problems.append(
                ConfigProblem(
                    node.key("smtp_password"),
                    "smtp_username is set: add smtp_password = env:NAME",
                )
            )
    port = values.get("smtp_port")
    if isinstance(port, int) and port > 65535:
        problems.append(ConfigProblem(node.key("smtp_port"), f"not a port number: {port}"))
    return problems


def _schedule(node: Node) -> Problems:
    hour = node.values.get("digest_hour")
    if isinstance(hour, int) and hour > 23:
        return [ConfigProblem(node.key("digest_hour"), f"expected an hour 0-23, got {hour}")]
    return []


def _settings(node: Node) -> Problems:
    problems: Problems = []
    url = node.values.get("database_url")
    if isinstance(url, str):
        message = _database_url_problem(url)
        if message:
            problems.append(ConfigProblem("database_url", message))
    shops = node.values.get("shops")
    if "shops" in node.values and isinstance(shops, tuple) and not shops:
        problems.append(ConfigProblem("shops", "add at least one [[shops]] table"))
    return problems


def _database_url_problem(url: str) -> str | None:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme in {"sqlite", "postgresql+psycopg"}:
        return None
    if scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return f"use the postgresql+psycopg:// scheme (psycopg 3), not {scheme}://"
    shown = f"{scheme}://" if scheme else "no scheme"
    return (
        f"unsupported database URL ({shown}); use sqlite:///path/to/file.db "
        "or postgresql+psycopg://user@host/db"
    )


def _duplicates(nodes: list[Node], cls: type[Any], noun: str) -> Problems:
    seen: dict[str, str] = {}
    problems: Problems = []
    for node in nodes:
        if node.cls is not cls or node.path == "default_policy":
            continue
        name = node.values.get("name")
        if not isinstance(name, str):
            continue
        if not name.strip():
            problems.append(ConfigProblem(node.key("name"), f"the {noun} name is empty"))
        elif name in seen:
            problems.append(
                ConfigProblem(
                    node.key("name"), f"duplicate {noun} name {name!r}: names must be unique"
                )
            )
        seen.setdefault(name, node.path)
    return problems


def _policy_shops(nodes: list[Node]) -> Problems:
    shop_names = {
        n.values["name"]
        for n in nodes
        if n.cls is ShopSettings and isinstance(n.values.get("name"), str)
    }
    problems: Problems = []
    for node in nodes:
        if node.cls is not PolicyMatch:
            continue
        shops = node.values.get("shops")
        for index, name in enumerate(shops if isinstance(shops, tuple) else ()):
            if name not in shop_names:
                problems.append(
                    ConfigProblem(
                        f"{node.key('shops')}[{index}]",
                        f"no shop named {name!r} in [[shops]]",
                    )
                )
    return problems


_RULES: dict[type[Any], Callable[[Node], Problems]] = {
    ShopSettings: _shop,
    Branding: _branding,
    EmailSettings: _email,
    WebSettings: lambda node: check_web(node) + check_choices(node),
    ConsoleSettings: check_console,
    ConsoleUser: check_console_user,
    **REORDER_RULES,
    PolicySettings: check_policy,
    PolicyMatch: check_match,
    ScheduleSettings: lambda node: [*_schedule(node), *check_schedule_engine(node)],
    Settings: _settings,
    **MONEY_RULES,
}
