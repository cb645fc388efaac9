"""`connector check` asks a Shopify shop for the selling plan and mandate scopes only when a
deposit or pay-on-release pre-order policy serves it: without them no deposit is taken at checkout
and no balance is ever collected, so the owner must hear it before the first release, not after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.seed import demo_spec
from connector.sandbox.shopify import ShopifySandbox
from connector.sandbox.shopify.app import DEFAULT_SCOPES

CONFIG = """database_url = "sqlite:///{db}"

[[shops]]
name = "outlet"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_KEY"
client_secret = "env:SHOP_HOOK"

[[policies]]
name = "launch"
mode = "preorder"
release_date = "2031-05-01"
{payment}

[policies.match]
skus = ["LAUNCH-*"]

[default_policy]
name = "default"
mode = "stop"
"""

DEFERRED = ("write_purchase_options", "write_payment_mandate")


def _store(scopes: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> ShopifySandbox:
    clock = FrozenClock(demo_spec().start)
    store = ShopifySandbox(demo_spec(), clock=clock, scopes=scopes)
    # Set before the sandbox's threads start (see tests/e2e/test_policy_rules.py).
    monkeypatch.setenv("SHOP_KEY", store.credentials()["access_token"])
    monkeypatch.setenv("SHOP_HOOK", "hook-secret")
    monkeypatch.setenv(NOW_ENV, clock().isoformat())
    return store


def _check(tmp_path: Path, store: ShopifySandbox, payment: str) -> int:
    config = tmp_path / "connector.toml"
    config.write_text(CONFIG.format(db=tmp_path / "state.db", url=store.base_url, payment=payment))
    return main(["--config", str(config), "check"])


@pytest.fixture
def granted_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopifySandbox]:
    with _store(DEFAULT_SCOPES, monkeypatch) as store:
        yield store


@pytest.fixture
def granted_all(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopifySandbox]:
    with _store((*DEFAULT_SCOPES, *DEFERRED), monkeypatch) as store:
        yield store


def test_a_deposit_policy_needs_the_selling_plan_and_mandate_scopes(
    tmp_path: Path, granted_default: ShopifySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _check(tmp_path, granted_default, 'payment = "deposit"\ndeposit_percent = 20')
    out = capsys.readouterr().out
    assert code == 1
    assert "✗ outlet: missing scope or permission write_purchase_options" in out
    assert "✗ outlet: missing scope or permission write_payment_mandate" in out


def test_a_shop_with_no_deferred_policy_is_not_asked_for_them(
    tmp_path: Path, granted_default: ShopifySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _check(tmp_path, granted_default, 'payment = "full"')
    out = capsys.readouterr().out
    assert code == 0, out
    assert "write_purchase_options" not in out and "write_payment_mandate" not in out


def test_granted_scopes_pass(
    tmp_path: Path, granted_all: ShopifySandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _check(tmp_path, granted_all, 'payment = "on_release"')
    out = capsys.readouterr().out
    assert code == 0, out
    assert "missing scope" not in out


def test_the_customer_page_swap_needs_the_order_edit_scope(
    tmp_path: Path,
    granted_all: ShopifySandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEB_SECRET", "a-long-enough-secret-for-signing-links-0123456789")
    config = tmp_path / "connector.toml"
    text = CONFIG.format(db=tmp_path / "state.db", url=granted_all.base_url, payment="")
    web = '[web]\nsecret = "env:WEB_SECRET"\n'
    web += 'public_url = "https://shop.example/backorders"\n'
    web += 'customer_actions = ["keep_waiting", "cancel", "swap"]\n'
    config.write_text(text + "\n" + web)
    code = main(["--config", str(config), "check"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "✗ outlet: missing scope or permission write_order_edits" in out
