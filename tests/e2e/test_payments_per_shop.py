"""``[shops.payments]``: two Shopify shops in one config, one capturing before the authorization
runs out and the other only warning, through the real config file, real cycles and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli.main import cli as main_cli
from connector.clock import FrozenClock
from connector.config import load_settings
from connector.daemon import Daemon
from connector.db import open_database
from connector.sandbox.seed import SeedSpec
from connector.sandbox.shopify import ShopifySandbox

SPEC = SeedSpec(
    seed=4, products=4, customers=3, orders=0, out_of_stock_share=1.0, continue_share=1.0
)
ENV = {"SHOP_A_TOKEN": "shpat_a_token", "SHOP_B_TOKEN": "shpat_b_token"}


@dataclass
class Waiting:
    store: ShopifySandbox
    order_id: str
    waiting_price: Decimal


def _waiting_order(store: ShopifySandbox) -> Waiting:
    skus = [v.sku for v in store.data.variants.values() if v.tracked]
    store.receive_stock(skus[1], 5)
    order_id = store.place_order(
        "kim@example.com", [(skus[0], 1), (skus[1], 1)], financial="AUTHORIZED"
    )
    store.authorize(order_id, multi_capturable=True)
    return Waiting(store, order_id, Decimal(store.data.variant_by_sku(skus[0]).price))


def _config(tmp_path: Path, a: ShopifySandbox, b: ShopifySandbox) -> Path:
    config = tmp_path / "connector.toml"
    config.write_text(
        f"""database_url = "sqlite:///{tmp_path / "state.db"}"

[email]
transport = "folder"
folder = "{tmp_path / "outbox"}"

[default_policy]
mode = "backorder"
lead_time_days = 10

[payments]
on_authorization_expiry = "notify_owner"

[[shops]]
name = "shop-a"
platform = "shopify"
url = "{a.base_url}"
access_token = "env:SHOP_A_TOKEN"

[shops.payments]
on_authorization_expiry = "capture"

[[shops]]
name = "shop-b"
platform = "shopify"
url = "{b.base_url}"
access_token = "env:SHOP_B_TOKEN"
"""
    )
    return config


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[FrozenClock, Waiting, Waiting, Path]]:
    clock = FrozenClock(SPEC.start)
    a = ShopifySandbox(
        SPEC, clock=clock, webhook_retry_delays=(), access_token=ENV["SHOP_A_TOKEN"]
    ).start()
    b = ShopifySandbox(
        SPEC, clock=clock, webhook_retry_delays=(), access_token=ENV["SHOP_B_TOKEN"]
    ).start()
    try:
        yield clock, _waiting_order(a), _waiting_order(b), _config(tmp_path, a, b)
    finally:
        a.stop()
        b.stop()


def test_one_shop_captures_and_the_other_only_warns(
    two: tuple[FrozenClock, Waiting, Waiting, Path],
) -> None:
    clock, a, b, config = two
    settings = load_settings(config, ENV)
    db = open_database(settings.database_url, clock=clock)
    daemon = Daemon(settings, db, clock=clock, renew_every=0)
    placed = clock()
    try:
        for day in (1, 3, 6, 8):
            clock.set(placed + timedelta(days=day))
            daemon.run_once(deliver=True)
    finally:
        daemon.close()
        db.close()
    assert a.store.money(a.order_id)["captures"] == [f"{a.waiting_price:.2f}"]
    assert b.store.money(b.order_id)["captures"] == []  # notify_owner: no money moves

    def order(shop: str) -> str:
        result = CliRunner(env=ENV).invoke(
            main_cli,
            ["--config", str(config), "--now", clock().isoformat(), "order", "#1001"]
            + ["--shop", shop],
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    shown_a, shown_b = order("shop-a"), order("shop-b")
    assert "on_authorization_expiry = capture" in shown_a
    assert f"watchdog: captured {a.waiting_price:,.2f} USD before the expiry" in shown_a
    # Day 8: the shelf line's part ran out uncaptured; the capture still reads as a capture.
    assert "the rest of the authorization ran out uncaptured" in shown_a
    assert "invoice sent" not in shown_a
    assert "on_authorization_expiry = notify_owner" in shown_b
    assert "ask the customer to pay" in shown_b  # expired uncaptured: the owner's move
