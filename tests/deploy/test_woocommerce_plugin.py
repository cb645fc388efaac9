"""The WordPress plugin under deploy/woocommerce/, run by php-cli on the label the connector wrote
to the WooCommerce sandbox: the product page's availability text, the cart and the order line say
what the connector decided. No WordPress here (tests/deploy/wp_harness.php gives the plugin the
few functions it calls), so this shows the plugin's logic, not a theme's rendering."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main
from tests.e2e.test_cli_live import outlet_sandbox

ROOT = Path(__file__).parents[2]
PLUGIN = ROOT / "deploy" / "woocommerce" / "backorder-connector-eta.php"
HARNESS = Path(__file__).with_name("wp_harness.php")

# .ci/run installs php-cli and sets CONNECTOR_REQUIRE_PHP=1: there a missing php fails, not skips.
pytestmark = pytest.mark.skipif(
    shutil.which("php") is None and os.environ.get("CONNECTOR_REQUIRE_PHP") != "1",
    reason="php-cli is not installed (apt-get install php-cli)",
)


def run_plugin(meta: dict[str, str], woocommerce_text: str) -> dict[str, Any]:
    done = subprocess.run(
        ["php", str(HARNESS), str(PLUGIN)],
        input=json.dumps({"meta": meta, "woocommerce_text": woocommerce_text}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_plugin_is_valid_php() -> None:
    done = subprocess.run(
        ["php", "-l", str(PLUGIN)], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _meta(row: dict[str, Any]) -> dict[str, str]:
    return {str(m["key"]): str(m["value"]) for m in row.get("meta_data") or ()}


def test_the_shopper_reads_the_connectors_label_not_available_on_backorder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with outlet_sandbox(tmp_path, monkeypatch) as (config, store):
        assert main(["--config", str(config), "run", "--once"]) == 0
        state = store.state()
    rows = [*state["products"], *state["variations"]]
    labelled = [_meta(row) for row in rows if _meta(row).get("_bc_eta_label")]
    assert labelled, "the connector wrote no ETA label to the sandbox"
    for meta in labelled:
        label = meta["_bc_eta_label"]
        shown = run_plugin(meta, "Available on backorder")
        assert shown["availability"] == label
        assert shown["cart"] == [{"key": "Shipping", "value": label}]
        assert shown["order_line"] == [{"key": "Shipping", "value": label}]

    # A product without a label of ours (in stock): WooCommerce's own text, nothing added.
    plain = run_plugin({}, "12 in stock")
    assert plain == {"availability": "12 in stock", "cart": [], "order_line": []}


def test_markup_in_the_meta_never_reaches_the_page() -> None:
    shown = run_plugin({"_bc_eta_label": "<script>alert(1)</script>Ships by <b>May 2</b>"}, "x")
    assert shown["availability"] == "Ships by May 2"
