"""The ETA where the shopper decides, on Shopify: the connector creates its metafield definitions
once (storefront read access, so themes can show the label with no code), writes each waiting
variant's label, and the Liquid snippet we ship shows it on the sandbox's product page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.seed import demo_spec

CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "folder"
folder = "{outbox}"
owner_email = "owner@example.com"

[[shops]]
name = "outlet"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_KEY"
client_secret = "env:SHOP_HOOK"
requests_per_second = 100

[[policies]]
name = "backorders"
mode = "backorder"
lead_time_days = 21

[policies.match]
skus = ["*"]

[default_policy]
name = "default"
mode = "stop"
"""

SKU = "MUG-000006-1"  # sold on backorder with lines waiting in the demo shop


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any]]:
    from connector.sandbox.shopify import ShopifySandbox

    clock = FrozenClock(demo_spec().start)
    with ShopifySandbox(demo_spec(), clock=clock) as store:
        monkeypatch.setenv("SHOP_KEY", store.credentials()["access_token"])
        monkeypatch.setenv("SHOP_HOOK", "hook-secret")
        monkeypatch.setenv(NOW_ENV, clock().isoformat())
        config = tmp_path / "connector.toml"
        config.write_text(
            CONFIG.format(db=tmp_path / "state.db", outbox=tmp_path / "outbox", url=store.base_url)
        )
        yield config, store


def _definitions(store: Any) -> dict[str, dict[str, Any]]:
    return {key: d for (owner, _, key), d in store.data.metafield_definitions.items()}


def test_definitions_are_created_once_with_storefront_access(
    shop: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    config, store = shop
    assert main(["--config", str(config), "run", "--once"]) == 0
    found = _definitions(store)
    assert set(found) == {"eta_label", "eta_date"}
    for key, kind in (("eta_label", "single_line_text_field"), ("eta_date", "date")):
        assert found[key]["namespace"] == "backorder_connector"
        assert found[key]["ownerType"] == "PRODUCTVARIANT"
        assert found[key]["type"]["name"] == kind
        assert found[key]["access"]["storefront"] == "PUBLIC_READ"
    ids = {key: d["id"] for key, d in found.items()}

    with store.data.lock:
        variant = store.data.variant_by_sku(SKU)
        label = store.data.metafield(variant, "backorder_connector", "eta_label")
    assert label is not None and label.value.startswith("Ships ")
    before = label.value

    # A new process (a fresh adapter) with a label to change finds them and creates nothing.
    assert (
        main(
            [
                "--config",
                str(config),
                "po",
                "add",
                "--sku",
                SKU,
                "--quantity",
                "20",
                "--expected",
                "2026-11-20",
            ]
        )
        == 0
    )
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert {key: d["id"] for key, d in _definitions(store).items()} == ids
    assert store.data.metafield(variant, "backorder_connector", "eta_label").value != before


def test_a_definition_made_by_hand_without_storefront_access_is_reported(
    shop: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from connector.sandbox.shopify.definitions import create_definition

    config, store = shop
    with store.data.lock:
        create_definition(
            store.data,
            {
                "definition": {
                    "namespace": "backorder_connector",
                    "key": "eta_label",
                    "name": "ETA",
                    "ownerType": "PRODUCTVARIANT",
                    "type": "single_line_text_field",
                }
            },
        )
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert "eta_label exists without storefront access" in capsys.readouterr().err
    # Left as the owner made it; the other one is created; the labels are written all the same.
    assert _definitions(store)["eta_label"]["access"]["storefront"] == "NONE"
    assert _definitions(store)["eta_date"]["access"]["storefront"] == "PUBLIC_READ"


def test_the_snippet_shows_the_waiting_variants_label_on_the_product_page(
    shop: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from connector.sandbox.shopify.product_page import product_page, render_snippet

    config, store = shop
    assert main(["--config", str(config), "run", "--once"]) == 0
    with store.data.lock:
        variant = store.data.variant_by_sku(SKU)
        label = store.data.metafield(variant, "backorder_connector", "eta_label").value
        product = store.data.products[variant.product_id]
    assert label.startswith("Ships ")
    page = product_page(store.data, SKU)
    assert f'data-variant-id="{variant.id}">{label}</p>' in page

    # Another variant picked: this one's label is there for the picker's script, but hidden.
    others = [store.data.variants[v] for v in product.variant_ids if v != variant.id]
    if others:
        html = render_snippet(store.data, product, others[0])
        assert f'data-variant-id="{variant.id}" hidden>{label}</p>' in html

    # A variant with no label of ours (in stock) shows nothing of ours.
    with store.data.lock:
        for field in ("eta_label", "eta_date"):
            store.data.delete_metafield(variant, "backorder_connector", field)
    assert f'data-variant-id="{variant.id}"' not in render_snippet(store.data, product, variant)
