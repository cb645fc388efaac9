"""``[shops.payments]``: one shop's own ``[payments]`` over the top-level one, checked by key."""

from __future__ import annotations

from typing import Any

import pytest

from connector.config import parse_settings
from connector.errors import ConfigError

ENV = {"TOKEN": "shpat_x"}


def shop(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "platform": "shopify",
        "url": f"https://{name}.myshopify.com",
        "access_token": "env:TOKEN",
        **extra,
    }


def test_a_shop_overrides_what_it_writes_and_inherits_the_rest() -> None:
    settings = parse_settings(
        {
            "payments": {"on_authorization_expiry": "capture", "authorization_days": 30},
            "shops": [
                shop("acme"),
                shop("outlet", payments={"on_authorization_expiry": "ask_customer"}),
            ],
        },
        ENV,
    )
    acme, outlet = settings.payments_for("acme"), settings.payments_for("outlet")
    assert (acme.on_authorization_expiry, acme.authorization_days) == ("capture", 30)
    assert (outlet.on_authorization_expiry, outlet.authorization_days) == ("ask_customer", 30)
    assert outlet.capture_margin_days == 1  # neither wrote it: the default


def test_a_bad_shop_override_names_the_shops_key_and_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(
            {
                "payments": {"authorization_days": 5},
                "shops": [
                    shop(
                        "acme",
                        payments={"capture_margin_days": 5, "on_authorization_expiry": "refund"},
                    ),
                    shop("outlet", payments={"check_every_minute": 5}),
                ],
            },
            ENV,
        )
    text = str(caught.value)
    # The margin is checked against the days that hold for the shop (5, inherited).
    assert "shops[acme].payments.capture_margin_days: fewer than authorization_days (5)" in text
    assert "shops[acme].payments.on_authorization_expiry: unknown value 'refund'" in text
    assert "shops[outlet].payments.check_every_minute: unknown key (did you mean" in text


def test_a_bad_top_level_value_is_named_once_where_it_is_written() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(
            {
                "payments": {"authorization_days": 400},
                "shops": [shop("acme", payments={"on_authorization_expiry": "capture"})],
            },
            ENV,
        )
    assert [p.key for p in caught.value.problems] == ["payments.authorization_days"]


def test_shop_payments_on_a_woocommerce_shop_is_refused_by_name() -> None:
    woo = {
        "name": "outlet",
        "platform": "woocommerce",
        "url": "https://outlet.example.com",
        "consumer_key": "env:TOKEN",
        "consumer_secret": "env:TOKEN",
        "payments": {"on_authorization_expiry": "capture"},
    }
    with pytest.raises(ConfigError) as caught:
        parse_settings({"shops": [shop("acme"), woo]}, ENV)
    (problem,) = caught.value.problems
    assert problem.key == "shops[outlet].payments"
    assert "WooCommerce has no card authorization to watch" in problem.message


@pytest.mark.parametrize(
    ("table", "key", "value", "line"),
    [
        ("payments", "capture_margin_days", -1, "payments.capture_margin_days: 0 or more days"),
        ("payments", "authorization_days", 0, "payments.authorization_days: between 1 and 90"),
        ("payments", "authorization_days", -3, "payments.authorization_days: between 1 and 90"),
        ("payments", "check_every_minutes", -2, "payments.check_every_minutes: 0 (every cycle)"),
        ("web", "link_days", -1, "web.link_days: at least 1 day"),
        ("console", "session_hours", -1, "console.session_hours: at least 1"),
    ],
)
def test_one_bad_number_is_one_line_naming_its_key(
    table: str, key: str, value: int, line: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({table: {key: value}, "shops": [shop("acme")]}, ENV)
    text = str(caught.value)
    assert text.startswith("1 config problem:"), text
    assert line in text
