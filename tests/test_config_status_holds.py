"""``[[shops]] on_hold_fully_waiting`` (issue 18): off by default, WooCommerce only, a boolean."""

from __future__ import annotations

from connector.config import parse_settings
from tests.test_config import ENV, problems_of, shopify, woo


def test_off_by_default_and_on_for_a_woocommerce_shop() -> None:
    assert parse_settings({"shops": [woo()]}, ENV, "t.toml").shops[0].on_hold_fully_waiting is False
    on = parse_settings({"shops": [woo(on_hold_fully_waiting=True)]}, ENV, "t.toml")
    assert on.shops[0].on_hold_fully_waiting is True


def test_a_shopify_shop_is_refused_naming_the_key() -> None:
    assert problems_of({"shops": [shopify(on_hold_fully_waiting=True)]}) == {
        "shops[acme].on_hold_fully_waiting": "WooCommerce only: Shopify holds the waiting "
        "lines' fulfillment orders instead"
    }


def test_not_a_boolean_is_one_line_naming_the_key() -> None:
    found = problems_of({"shops": [woo(on_hold_fully_waiting="yes")]})
    assert list(found) == ["shops[outlet].on_hold_fully_waiting"]
