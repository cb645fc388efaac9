"""Config rules for a pre-order policy's ``payment`` on WooCommerce (issue 15)."""

from __future__ import annotations

from typing import Any

from connector.config import parse_settings
from connector.config_rules_money_woo import payment_notes, payment_warnings
from tests.test_config import ENV, problems_of, shopify, woo


def preorder(payment: str, **match: Any) -> dict[str, Any]:
    return {
        "name": "launch",
        "mode": "preorder",
        "release_date": "2027-03-01",
        "payment": payment,
        # A deposit policy that may serve a Shopify shop names its percent (config_rules_plans).
        **({"deposit_percent": 30} if payment == "deposit" else {}),
        "match": {"tags": ["launch"], **match},
    }


def test_payment_other_than_full_needs_a_preorder_policy() -> None:
    data = {
        "shops": [woo()],
        "policies": [
            {"name": "sofas", "mode": "backorder", "payment": "deposit", "match": {"tags": ["x"]}}
        ],
    }
    assert problems_of(data) == {
        "policies[sofas].payment": 'payment = "deposit" needs mode = "preorder" (only pre-orders '
        "wait for a release to be paid at)"
    }
    assert "policies[launch].payment" in problems_of(
        {"shops": [woo()], "policies": [{**preorder("later")}]}
    )


def test_a_deposit_on_a_woocommerce_shop_warns_naming_the_key() -> None:
    settings = parse_settings(
        {"shops": [woo(), shopify()], "policies": [preorder("deposit")]}, ENV, "t.toml"
    )
    assert payment_warnings(settings) == [
        (
            "outlet",
            'policies[launch].payment = "deposit": WooCommerce takes no deposit without a plugin; '
            "outlet charges the full amount at checkout (docs/payments-woocommerce.md)",
        )
    ]


def test_a_policy_for_shopify_shops_only_says_nothing_about_woocommerce() -> None:
    settings = parse_settings(
        {"shops": [woo(), shopify()], "policies": [preorder("deposit", shops=["acme"])]},
        ENV,
        "t.toml",
    )
    assert payment_notes(settings) == []


def test_on_release_on_woocommerce_is_a_check_note_about_hold_stock_not_a_warning() -> None:
    settings = parse_settings({"shops": [woo()], "policies": [preorder("on_release")]}, ENV, "t")
    assert payment_warnings(settings) == []
    [(shop, line)] = payment_notes(settings)
    assert shop == "outlet" and "Hold stock" in line and "policies[launch].payment" in line
