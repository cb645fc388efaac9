"""Which policy rules a shop's platform cannot match, as `connector check` and the config load
word them (the CLI runs of both are in tests/e2e/test_policy_rules.py)."""

from __future__ import annotations

from typing import Any

import adapters
from connector.config import parse_settings
from connector.rule_reach import never_matching, rule_gaps
from tests.test_config import ENV, shopify, woo


def _lines(match: dict[str, Any], *shops: dict[str, Any]) -> tuple[list[str], list[str]]:
    data = {
        "shops": list(shops),
        "policies": [{"name": "sofas", "mode": "backorder", "match": match}],
    }
    settings = parse_settings(data, ENV, "test.toml")
    gaps = rule_gaps(settings, adapters.rule_limits)
    return [f"{g.shop}: {g.line}" for g in gaps], never_matching(settings, gaps)


def test_a_rule_one_shop_can_match_is_listed_for_the_other_shop_only_without_a_warning() -> None:
    notes, warnings = _lines({"vendors": ["Nordhus"]}, shopify(), woo())
    assert notes == [
        "outlet: policies[sofas].match.vendors: WooCommerce products have no vendor field; "
        "this rule matches nothing"
    ]
    assert warnings == []


def test_a_rule_none_of_its_shops_can_match_is_a_warning() -> None:
    notes, warnings = _lines({"vendors": ["Nordhus"], "shops": ["outlet"]}, shopify(), woo())
    assert notes == [
        "outlet: policies[sofas].match.vendors: WooCommerce products have no vendor field; "
        "this rule matches nothing"
    ]
    assert warnings == [
        "policies[sofas].match.vendors: WooCommerce products have no vendor field; this rule "
        "matches nothing on any of its shops (outlet), so their products fall to default_policy"
    ]


def test_shopify_collection_rules_match_so_they_are_not_listed() -> None:
    # Collections are read (title, handle or id): nothing to say about such a rule on Shopify.
    assert _lines({"collections": ["Sofas"], "shops": ["acme"]}, shopify(), woo()) == ([], [])


def test_rules_every_platform_reads_say_nothing() -> None:
    notes, warnings = _lines(
        {"skus": ["SOFA-*"], "tags": ["sofa"], "product_types": ["variable", "Sofas"]},
        shopify(),
        woo(),
    )
    assert (notes, warnings) == ([], [])
    disabled = woo(enabled=False)
    assert _lines({"vendors": ["Nordhus"]}, shopify(), disabled) == ([], [])
