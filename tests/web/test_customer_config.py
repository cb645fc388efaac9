"""The customer page's choice settings: what the page offers, approval, and delay consent."""

from __future__ import annotations

from typing import Any

import pytest

from connector.config import parse_settings
from connector.errors import ConfigError

SHOP = {
    "name": "acme",
    "platform": "woocommerce",
    "url": "https://shop.example.com",
    "consumer_key": "env:K",
    "consumer_secret": "env:S",
}
ENV = {"K": "ck_x", "S": "cs_x", "W": "w" * 40}
WEB = {"public_url": "https://orders.example.com", "secret": "env:W"}


def _problems(**web: Any) -> list[str]:
    try:
        parse_settings({"shops": [SHOP], "web": {**WEB, **web}}, env=ENV)
    except ConfigError as error:
        return [str(p) for p in error.problems]
    return []


def test_defaults_offer_keep_waiting_and_cancel_without_approval_or_consent() -> None:
    web = parse_settings({"shops": [SHOP], "web": WEB}, env=ENV).web
    assert web.customer_actions == ("keep_waiting", "cancel")
    assert web.cancel_needs_approval is False and web.delay_consent == "off"


@pytest.mark.parametrize(
    ("web", "problems"),
    [
        ({"customer_actions": ["keep_waiting"]}, []),
        ({"customer_actions": ["keep_waiting", "swap"]}, []),
        ({"customer_actions": ["swap"], "swap_skus": ["HOUSE-*"]}, []),
        ({"swap_skus": ["HOUSE-*", ""]}, ["web.swap_skus[1]: an empty pattern would match nothing"]),
        (
            {"customer_actions": ["refund"]},
            ["web.customer_actions[0]: expected one of keep_waiting, cancel, swap, got 'refund'"],
        ),
        ({"customer_actions": ["cancel", "cancel"]}, ["web.customer_actions: each action once"]),
        ({"delay_consent": "ftc"}, []),
        ({"delay_consent": "eu"}, ['web.delay_consent: expected "off" or "ftc", got \'eu\'']),
        (
            {"delay_consent": "ftc", "customer_actions": ["keep_waiting"]},
            [
                'web.delay_consent: ftc needs customer_actions with "keep_waiting" and "cancel" '
                "(the rule's choice)"
            ],
        ),
    ],
)
def test_choice_settings_are_checked(web: dict[str, Any], problems: list[str]) -> None:
    assert _problems(**web) == problems
