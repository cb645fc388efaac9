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


def run_order(meta: dict[str, str], items: list[int], *, admin: bool) -> dict[str, Any]:
    done = subprocess.run(
        ["php", str(HARNESS), str(PLUGIN)],
        input=json.dumps(
            {
                "meta": {},
                "woocommerce_text": "",
                "order": {"meta": meta, "items": items, "admin": admin},
            }
        ),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(done.stdout)["order"]
    return result


def test_a_mixed_orders_held_line_says_do_not_ship_where_staff_and_fulfilment_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connector.demo import backordered_skus
    from connector.sandbox.seed import demo_spec

    with outlet_sandbox(tmp_path, monkeypatch) as (config, store):
        rows = [*store.state()["products"], *store.state()["variations"]]
        plain = next(
            str(r["sku"])
            for r in rows
            if r.get("sku") and r.get("manage_stock") is True and (r.get("stock_quantity") or 0) > 5
        )
        waiting = backordered_skus(demo_spec())[0]
        order_id = store.place_order("bo@example.com", [(waiting, 2), (plain, 1)], checkout=False)
        assert main(["--config", str(config), "run", "--once"]) == 0
        [row] = [o for o in store.state()["orders"] if str(o["id"]) == order_id]
    assert row["status"] == "processing"  # a mixed order keeps moving: its in-stock line ships
    held_item, free_item = (
        int(next(li["id"] for li in row["line_items"] if li["sku"] == sku))
        for sku in (waiting, plain)
    )
    meta = _meta(row)

    staff = run_order(meta, [held_item, free_item], admin=True)
    assert staff["lines"][str(held_item)] == ["Backorder hold: 2 waiting for stock, do not ship"]
    assert staff["lines"][str(free_item)] == []
    assert "Held back until stock arrives: 2 × " in staff["details"]
    assert "The rest of the order can ship." in staff["details"]

    # The customer's pages and emails carry the ETA label, not our warehouse words.
    customer = run_order(meta, [held_item, free_item], admin=False)
    assert customer["lines"] == {str(held_item): [], str(free_item): []}

    # Released: nothing held, nothing shown.
    assert run_order({}, [held_item], admin=True) == {"lines": {str(held_item): []}, "details": ""}
