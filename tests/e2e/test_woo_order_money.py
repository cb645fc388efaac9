"""``connector order N`` on WooCommerce says where the order's money stands: a pay-on-release
pre-order waiting unpaid in ``pending`` (before and after its payment link went out), through the
real CLI and a TOML config against the WooCommerce sandbox."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main as connector_main
from connector.clock import NOW_ENV
from tests.e2e.test_woo_payments_cli import RELEASE, outlet
from tests.e2e.test_woo_payments_extension import SKU, new_preorder_product
from tests.e2e.test_woo_payments_on_release import pending_checkout

__all__ = ["outlet"]  # the fixture, imported for this module's tests


def test_the_order_shows_it_waits_unpaid_and_then_that_its_payment_link_went_out(
    outlet: tuple[Path, Any],
    capsys: pytest.CaptureFixture[str],
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
    shown = run("order", order_id, "--shop", "outlet")
    assert "WooCommerce: pending, not paid (no money taken, no stock held)" in shown
    assert f"pay on release: waits for the release on {RELEASE.isoformat()}" in shown
    money = json.loads(run("order", order_id, "--shop", "outlet", "--json"))["money"]
    assert (money["platform"], money["authorizations"]) == ("woocommerce", [])

    store.clock.advance(timedelta(days=10))
    store.receive_stock(SKU, 2)
    run("run", "--once")
    shown = run("order", order_id, "--shop", "outlet")
    assert "payment link emailed (sent" in shown
    assert "waiting for the customer to pay" in shown
