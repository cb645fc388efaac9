"""Config rules for a pre-order deposit's percent (``deposit_percent``, issue 15)."""

from __future__ import annotations

from typing import Any

from connector.config import parse_settings
from tests.test_config import ENV, problems_of, shopify, woo


def launch(**extra: Any) -> dict[str, Any]:
    return {
        "name": "launch",
        "mode": "preorder",
        "release_date": "2027-03-01",
        "match": {"tags": ["launch"]},
        **extra,
    }


def test_a_shopify_deposit_names_its_percent() -> None:
    assert problems_of({"shops": [shopify()], "policies": [launch(payment="deposit")]}) == {
        "policies[launch].deposit_percent": 'payment = "deposit" needs deposit_percent (the share '
        "charged at checkout, 1 to 99)"
    }


def test_the_percent_is_strictly_between_0_and_100_and_only_for_a_deposit() -> None:
    found = problems_of(
        {
            "shops": [shopify()],
            "policies": [
                launch(payment="deposit", deposit_percent=100),
                {**launch(deposit_percent=20), "name": "other", "match": {"tags": ["o"]}},
            ],
        }
    )
    assert found == {
        "policies[launch].deposit_percent": "between 0 and 100, both excluded (0: use on_release; "
        "100: use full)",
        "policies[other].deposit_percent": 'only with payment = "deposit" (this policy has '
        'payment = "full")',
    }


def test_a_deposit_percent_reads_as_a_decimal_and_woocommerce_only_needs_none() -> None:
    settings = parse_settings(
        {"shops": [shopify()], "policies": [launch(payment="deposit", deposit_percent=25)]},
        ENV,
        "t.toml",
    )
    assert str(settings.policies[0].deposit_percent) == "25"
    woo_only = parse_settings(
        {"shops": [woo()], "policies": [launch(payment="deposit")]}, ENV, "t.toml"
    )
    assert woo_only.policies[0].deposit_percent is None
