"""Policy rules as a store owner writes them, against both sandbox stores through the real CLI:
a rule the platform can fill matches and `connector plan` names it on every storefront change;
a rule it cannot fill is listed by `connector check` with the reason (and warned about at load),
never left to silently send the products to the default policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.seed import demo_spec, generate_products

SHOP = {
    "woocommerce": """
[[shops]]
name = "outlet"
platform = "woocommerce"
url = "{url}"
consumer_key = "env:SHOP_KEY"
consumer_secret = "env:SHOP_SECRET"
webhook_secret = "env:SHOP_HOOK"
requests_per_second = 100
""",
    "shopify": """
[[shops]]
name = "outlet"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_KEY"
client_secret = "env:SHOP_HOOK"
requests_per_second = 100
""",
}

POLICY = """
[[policies]]
name = "sofas"
mode = "backorder"
lead_time_days = 21

[policies.match]
{key} = {values}

[default_policy]
name = "default"
mode = "stop"
"""


class Shop:
    def __init__(self, tmp_path: Path, platform: str, store: Any) -> None:
        self.tmp_path, self.platform, self.store = tmp_path, platform, store

    def config(self, key: str, values: list[str]) -> Path:
        path = self.tmp_path / "connector.toml"
        path.write_text(
            f'database_url = "sqlite:///{self.tmp_path / "state.db"}"\n'
            + SHOP[self.platform].format(url=self.store.base_url)
            + POLICY.format(key=key, values=json.dumps(values))
        )
        return path


@pytest.fixture(params=["woocommerce", "shopify"])
def shop(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shop]:
    clock = FrozenClock(demo_spec().start)
    if request.param == "woocommerce":
        from connector.sandbox.woocommerce import WooCommerceSandbox

        store: Any = WooCommerceSandbox(demo_spec(), clock=clock)
    else:
        from connector.sandbox.shopify import ShopifySandbox

        store = ShopifySandbox(demo_spec(), clock=clock)
    # The environment is set before the sandbox's server thread starts: setenv growing the
    # environment while another thread reads it (getenv in C code) can crash the process.
    creds = store.credentials()
    monkeypatch.setenv("SHOP_KEY", creds.get("consumer_key") or creds["access_token"])
    monkeypatch.setenv("SHOP_SECRET", creds.get("consumer_secret", "unused"))
    monkeypatch.setenv("SHOP_HOOK", "hook-secret")
    monkeypatch.setenv(NOW_ENV, clock().isoformat())
    with store:
        yield Shop(tmp_path, request.param, store)


def _rules(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, set[str]]:
    """SKU -> the rules `connector plan --sync` names on that SKU's storefront changes."""
    capsys.readouterr()
    assert main(["--config", str(config), "plan", "--sync"]) == 0
    found: dict[str, set[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("  storefront ") and line.endswith("]"):
            sku = line.split()[1].rstrip(":")
            found.setdefault(sku, set()).add(line.rsplit("  [", 1)[1].rstrip("]"))
    return found


def _backordered() -> tuple[str, Any]:
    """A SKU the demo shop sells on backorder with no stock (so any policy changes something),
    and its seed product."""
    for product in generate_products(demo_spec()):
        for variant in product.variants:
            if variant.stock == 0 and variant.continue_selling and variant.tracked:
                if product.release_date is None:
                    return variant.sku, product
    raise AssertionError("the demo spec has no backordered SKU")


def test_a_rule_on_what_the_platform_reads_matches_and_plan_names_it(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    sku, product = _backordered()
    if shop.platform == "shopify":
        keys = {"product_types": [product.product_type.upper()], "vendors": [product.vendor]}
    else:
        # WooCommerce: the type is the REST type; the sandbox files products by their seed type.
        kind = "variable" if len(product.variants) > 1 else "simple"
        keys = {"product_types": [kind], "collections": [product.product_type.lower()]}
    for key, values in keys.items():
        rules = _rules(shop.config(key, values), capsys)
        assert rules[sku] == {"policy sofas"}, key


def test_woocommerce_categories_match_by_name_slug_or_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    with WooCommerceSandbox(demo_spec(), clock=clock) as store:
        creds = store.credentials()
        monkeypatch.setenv("SHOP_KEY", creds["consumer_key"])
        monkeypatch.setenv("SHOP_SECRET", creds["consumer_secret"])
        monkeypatch.setenv("SHOP_HOOK", "hook-secret")
        monkeypatch.setenv(NOW_ENV, clock().isoformat())
        shop = Shop(tmp_path, "woocommerce", store)
        sku, _ = _backordered()
        config = shop.config("collections", ["Garden Sofas"])
        assert _rules(config, capsys)[sku] == {"default policy"}

        store.set_categories(sku, ["Garden Sofas"])
        [category] = [
            c
            for p in store.state()["products"]
            for c in p["categories"]
            if c["name"] == "Garden Sofas"
        ]
        assert category["slug"] == "garden-sofas"
        for value in ("Garden Sofas", "garden-sofas", str(category["id"])):
            rules = _rules(shop.config("collections", [value]), capsys)
            assert rules[sku] == {"policy sofas"}, value

        # Scripts read the same from plan --json, as the config names the policy.
        assert main(["--config", str(config), "plan", "--json"]) == 0
        [plan] = json.loads(capsys.readouterr().out)
        changes = plan["storefront"]
        assert {c["rule"] for c in changes if c["sku"] == sku} == {"policies[sofas]"}


CANNOT = {
    # Shopify fills every criterion since collections are read (tests/e2e/test_shopify_collections.py
    # holds that check lists none of them).
    "woocommerce": (
        "vendors",
        ["Nordhus"],
        "policies[sofas].match.vendors: WooCommerce products have no vendor field; "
        "this rule matches nothing",
    ),
}


@pytest.mark.parametrize("shop", list(CANNOT), indirect=True)
def test_check_lists_a_rule_the_platform_cannot_match_with_the_reason(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    key, values, note = CANNOT[shop.platform]
    config = shop.config(key, values)
    capsys.readouterr()
    assert main(["--config", str(config), "check"]) == 0  # a note, not a failure
    assert f"! outlet: {note}" in capsys.readouterr().out
    assert main(["--config", str(config), "check", "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)["shops"]
    assert note in report["notes"]

    # Any other command loads the config with a warning line, and still runs.
    assert main(["--config", str(config), "plan", "--sync"]) == 0
    err = capsys.readouterr().err
    assert err.count(f"warning: policies[sofas].match.{key}: ") == 1
    assert "matches nothing on any of its shops (outlet)" in err


def test_check_says_a_woocommerce_type_rule_names_no_woocommerce_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    with WooCommerceSandbox(demo_spec(), clock=FrozenClock(demo_spec().start)) as store:
        creds = store.credentials()
        monkeypatch.setenv("SHOP_KEY", creds["consumer_key"])
        monkeypatch.setenv("SHOP_SECRET", creds["consumer_secret"])
        monkeypatch.setenv("SHOP_HOOK", "hook-secret")
        config = Shop(tmp_path, "woocommerce", store).config("product_types", ["Furniture"])
        assert main(["--config", str(config), "check"]) == 0
        out = capsys.readouterr().out
        assert (
            "! outlet: policies[sofas].match.product_types: 'Furniture' is not one of "
            "WooCommerce's product types (simple, variable, grouped, external); use collections "
            "for categories; this rule matches nothing"
        ) in out


def test_check_asks_for_a_resync_of_woocommerce_products_read_before_types_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from connector.db import open_database
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    with WooCommerceSandbox(demo_spec(), clock=clock) as store:
        creds = store.credentials()
        monkeypatch.setenv("SHOP_KEY", creds["consumer_key"])
        monkeypatch.setenv("SHOP_SECRET", creds["consumer_secret"])
        monkeypatch.setenv("SHOP_HOOK", "hook-secret")
        monkeypatch.setenv(NOW_ENV, clock().isoformat())
        config = Shop(tmp_path, "woocommerce", store).config("product_types", ["variable"])
        assert main(["--config", str(config), "plan", "--sync"]) == 0
        # What an older version stored: no type, categories by name only.
        db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
        products = db.products("outlet")
        db.upsert_products(
            dataclasses.replace(p, product_type="", collections=p.collections[:1]) for p in products
        )
        db.close()
        capsys.readouterr()

        assert main(["--config", str(config), "check"]) == 0
        assert (
            f"! outlet: {len(products)} product(s) were read before the connector read "
            "WooCommerce product types and category slugs and ids: product_types and collections "
            "rules miss them until `connector resync --shop outlet --all` reads them again"
        ) in capsys.readouterr().out
        assert main(["--config", str(config), "resync", "--shop", "outlet", "--all"]) == 0
        capsys.readouterr()
        assert main(["--config", str(config), "check"]) == 0
        assert "were read before" not in capsys.readouterr().out
