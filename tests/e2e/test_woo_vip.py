"""VIP priority on WooCommerce by customer role, as a store owner sees it through the real CLI
against the sandbox over HTTP: two orders wait for one SKU, the later from a wholesale customer;
one unit arrives and the wholesale customer's line gets it."""

from __future__ import annotations

import collections
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from woocommerce import API

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.woocommerce import WooCommerceSandbox

CONFIG = """database_url = "sqlite:///{tmp}/state.db"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "{url}"
consumer_key = "env:SHOP_KEY"
consumer_secret = "env:SHOP_SECRET"
requests_per_second = 100

[email]
transport = "folder"
folder = "{tmp}/outbox"

[default_policy]
name = "default"
mode = "backorder"
lead_time_days = 21
vip_roles = ["wholesale_customer"]
"""


def _backorders(config: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["--config", str(config), "backorders"]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("SOFA-1")]


def test_a_wholesale_customer_later_in_line_gets_the_unit_that_arrives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FrozenClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    store = WooCommerceSandbox(clock=clock)
    creds = store.credentials()
    # Set before the sandbox's server thread starts (see tests/e2e/test_policy_rules.py).
    monkeypatch.setenv("SHOP_KEY", creds["consumer_key"])
    monkeypatch.setenv("SHOP_SECRET", creds["consumer_secret"])
    monkeypatch.setenv(NOW_ENV, (clock() + timedelta(hours=2)).isoformat())
    with store:
        api = API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")
        product = {"name": "Sofa", "sku": "SOFA-1", "regular_price": "500"}
        stock = {"manage_stock": True, "stock_quantity": 0, "backorders": "notify"}
        assert api.post("products", {**product, **stock}).status_code == 201
        early = store.place_order("ada@example.com", [("SOFA-1", 1)], name="Ada Early")
        clock.advance(timedelta(hours=1))
        trade = store.place_order("bob@example.com", [("SOFA-1", 1)], name="Bob Trade")
        store.attach_customer(
            trade, store.customers.add("bob@example.com", role="wholesale_customer")
        )
        config = tmp_path / "connector.toml"
        config.write_text(CONFIG.format(tmp=tmp_path, url=store.base_url))

        store.log.clear()
        assert main(["--config", str(config), "run", "--once"]) == 0
        # Customers are read batched, at most once per page of orders read (a page holding the
        # wholesale customer's order; the cycle reads its own writes back), never one by one.
        calls = collections.Counter(e.operation for e in store.log.entries())
        assert 1 <= calls["GET customers_list"] <= calls["GET orders"]
        assert calls["GET customer"] == 0
        before = _backorders(config, capsys)
        assert [line.split()[1:4] for line in before] == [
            ["#1", "order", trade],
            ["#2", "order", early],
        ]

        store.receive_stock("SOFA-1", 1)
        capsys.readouterr()
        assert main(["--config", str(config), "plan", "--sync"]) == 0
        plan = capsys.readouterr().out
        assert f"order {trade}: release_hold" in plan
        assert f"order {early}: release_hold" not in plan
        after = _backorders(config, capsys)
        assert f"order {trade}" in after[0] and "0 waiting, 1 allocated" in after[0]
        assert f"order {early}" in after[1] and "1 waiting" in after[1]
        capsys.readouterr()
        assert main(["--config", str(config), "backorders"]) == 0
        assert "boosted by tag role:wholesale_customer" in capsys.readouterr().out


@pytest.mark.parametrize("vip", [True, False])
def test_customers_are_read_only_when_a_policy_ranks_by_role_or_meta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vip: bool
) -> None:
    clock = FrozenClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    store = WooCommerceSandbox(clock=clock)
    creds = store.credentials()
    monkeypatch.setenv("SHOP_KEY", creds["consumer_key"])
    monkeypatch.setenv("SHOP_SECRET", creds["consumer_secret"])
    monkeypatch.setenv(NOW_ENV, (clock() + timedelta(hours=2)).isoformat())
    with store:
        api = API(store.base_url, creds["consumer_key"], creds["consumer_secret"], version="wc/v3")
        product = {"name": "Sofa", "sku": "SOFA-1", "regular_price": "500"}
        stock = {"manage_stock": True, "stock_quantity": 0, "backorders": "notify"}
        assert api.post("products", {**product, **stock}).status_code == 201
        trade = store.place_order("bob@example.com", [("SOFA-1", 1)], name="Bob Trade")
        store.attach_customer(
            trade, store.customers.add("bob@example.com", role="wholesale_customer")
        )
        text = CONFIG.format(tmp=tmp_path, url=store.base_url)
        if not vip:
            text = text.replace('vip_roles = ["wholesale_customer"]\n', "")
        config = tmp_path / "connector.toml"
        config.write_text(text)

        store.log.clear()
        assert main(["--config", str(config), "run", "--once"]) == 0
        calls = collections.Counter(e.operation for e in store.log.entries())
    # The requests the sandbox served: customers only when a policy can use them.
    assert (calls["GET customers_list"] >= 1) is vip
    assert calls["GET customer"] == 0
    assert calls["GET orders"] >= 1
