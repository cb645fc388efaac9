"""The owner sees pay-on-release orders waiting unpaid in ``connector backorders`` and ``plan``,
through the real CLI and a TOML config against the WooCommerce sandbox (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main as connector_main
from connector.clock import NOW_ENV
from connector.sandbox.seed import demo_spec
from tests.e2e.test_cli_live import outlet_sandbox
from tests.e2e.test_woo_order_endings import mails_to
from tests.e2e.test_woo_payments_extension import SKU, new_preorder_product
from tests.e2e.test_woo_payments_on_release import pending_checkout

RELEASE = demo_spec().start.date() + timedelta(days=10)
POLICY = f"""[[policies]]
name = "game-launch"
mode = "preorder"
release_date = {RELEASE.isoformat()}
payment = "on_release"

[policies.match]
skus = ["{SKU}"]

"""


def with_launch(text: str) -> str:
    return text.replace("[[policies]]\n", POLICY + "[[policies]]\n", 1)


@pytest.fixture
def outlet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any]]:
    with outlet_sandbox(tmp_path, monkeypatch, edit=with_launch) as shop:
        yield shop


def test_backorders_and_plan_show_the_order_waiting_to_pay_on_release(
    outlet: tuple[Path, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, store = outlet

    def run(*argv: str) -> str:
        monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
        capsys.readouterr()
        assert connector_main(["--config", str(config), *argv]) == 0
        return capsys.readouterr().out

    new_preorder_product(store, RELEASE)
    order_id = pending_checkout(store, "pia@example.com", quantity=2)
    store.clock.advance(timedelta(minutes=5))
    run("run", "--once")
    waits = (
        f"order {order_id}  pia@example.com  2 x {SKU}  pay on release, pending in the shop: "
        f"waits for the release on {RELEASE.isoformat()}  [policy game-launch]"
    )
    assert waits in run("backorders")
    assert waits in run("plan", "--shop", "outlet")

    store.clock.advance(timedelta(days=10))
    store.receive_stock(SKU, 2)
    run("run", "--once")
    assert "released: its payment link is emailed to the customer (once)" in run("backorders")
    [mail] = [m for m in mails_to(tmp_path / "outbox", "pia@example.com") if "order-pay" in m]
    assert f"checkout/order-pay/{order_id}/?pay_for_order=true&key=" in mail


def test_a_deposit_policy_on_woocommerce_is_a_warning_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def deposit(text: str) -> str:
        return with_launch(text).replace('payment = "on_release"', 'payment = "deposit"')

    said = (
        'policies[game-launch].payment = "deposit": WooCommerce takes no deposit without a plugin'
    )
    with outlet_sandbox(tmp_path, monkeypatch, edit=deposit) as (config, _store):
        connector_main(["--config", str(config), "check"])
        checked = capsys.readouterr().out
        assert said in checked  # check lists it as a note
        assert "no Pre-Orders extension" in checked  # and what it found about payments
        assert connector_main(["--config", str(config), "backorders"]) == 0
        assert f"warning: {said}" in capsys.readouterr().err  # every other command warns
