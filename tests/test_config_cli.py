"""`connector init` and `connector check`, as a store owner runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

import adapters
from connector.cli.main import main
from connector.config import load_settings
from connector.errors import AuthError
from connector.model import Platform
from connector.platform import CheckReport
from connector.settings import ShopSettings

SHOPIFY_ENV = {"MY_SHOP_ACCESS_TOKEN": "shpat_test"}


class StubAdapter:
    """Answers check() the way the test says; records that it was closed."""

    closed: ClassVar[list[str]] = []

    def __init__(self, shop: ShopSettings, outcome: Any) -> None:
        self.shop = shop.name
        self.platform = shop.platform
        self.outcome = outcome

    def check(self) -> CheckReport:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return CheckReport(self.shop, self.platform, **self.outcome)

    def close(self) -> None:
        StubAdapter.closed.append(self.shop)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONNECTOR_CONFIG", raising=False)
    monkeypatch.delenv("CONNECTOR_DATABASE_URL", raising=False)
    StubAdapter.closed = []
    yield tmp_path


def stub_adapters(monkeypatch: pytest.MonkeyPatch, outcomes: dict[str, Any]) -> None:
    def create(shop: ShopSettings, **_: Any) -> StubAdapter:
        return StubAdapter(shop, outcomes[shop.name])

    monkeypatch.setattr(adapters, "create_adapter", create)


TWO_SHOPS = """
database_url = "sqlite:///state/connector.db"

[[shops]]
name = "acme"
platform = "shopify"
url = "https://acme.myshopify.com"
access_token = "env:ACME_TOKEN"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "https://outlet.example.com"
consumer_key = "env:WC_KEY"
consumer_secret = "env:WC_SECRET"

[[shops]]
name = "paused"
platform = "woocommerce"
url = "https://paused.example.com"
consumer_key = "env:WC_KEY"
consumer_secret = "env:WC_SECRET"
enabled = false
"""
TWO_SHOPS_ENV = {"ACME_TOKEN": "shpat_1", "WC_KEY": "ck_1", "WC_SECRET": "cs_1"}


def write_two_shops(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path.write_text(TWO_SHOPS)
    for name, value in TWO_SHOPS_ENV.items():
        monkeypatch.setenv(name, value)


# -- init --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
def test_init_writes_a_config_that_loads_once_its_secrets_are_set(
    workdir: Path, platform: str
) -> None:
    assert main(["init", "--platform", platform]) == 0

    env = {"MY_SHOP_ACCESS_TOKEN": "t", "MY_SHOP_CONSUMER_KEY": "k", "MY_SHOP_CONSUMER_SECRET": "s"}
    env["MY_SHOP_WEBHOOK_SECRET"] = "w"
    settings = load_settings(workdir / "connector.toml", env)
    assert [(s.name, s.platform) for s in settings.shops] == [("my-shop", Platform(platform))]
    if platform == "woocommerce":  # issue 13: init wrote no webhook_secret line
        secret = settings.shops[0].webhook_secret
        assert secret is not None and secret.reveal() == "w"


def test_init_never_overwrites_without_force(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = workdir / "mine.toml"
    target.write_text("# my hand-written config\n")

    assert main(["init", "--path", str(target)]) == 2
    assert target.read_text() == "# my hand-written config\n"
    assert "already exists" in capsys.readouterr().err

    assert main(["init", "--path", str(target), "--force"]) == 0
    assert "[[shops]]" in target.read_text()


def test_init_asks_nothing_off_a_terminal(workdir: Path) -> None:
    # stdin under pytest is not a TTY: a prompt would fail with Abort (exit 1) instead of writing.
    assert main(["--config", "sub/c.toml", "init"]) == 0
    assert (workdir / "sub" / "c.toml").exists()


# -- check -------------------------------------------------------------------------------------------


def test_check_lists_every_config_problem_without_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "connector.toml").write_text(
        '[[shops]]\nname = "acme"\nplatform = "magento"\nurl = "ftp://x"\nacess_token = "env:T"\n'
    )

    assert main(["check"]) == 2

    err = capsys.readouterr().err
    assert "shops[acme].platform" in err and "shops[acme].acess_token" in err
    assert "did you mean access_token?" in err
    assert "Traceback" not in err


def test_check_json_lists_config_problems(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "connector.toml").write_text('log_format = "xml"\n')

    assert main(["check", "--json"]) == 2

    out = json.loads(capsys.readouterr().out)
    assert {p["key"] for p in out["problems"]} == {"shops", "log_format"}


def test_check_shows_one_row_per_shop_and_exits_zero_when_all_are_ready(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_two_shops(workdir / "connector.toml", monkeypatch)
    scopes = ("read_products", "write_products", "read_orders")
    stub_adapters(
        monkeypatch,
        {
            "acme": {"ok": True, "granted": scopes},
            "outlet": {"ok": True, "granted": ("read_write",)},
        },
    )

    assert main(["check"]) == 0

    out = capsys.readouterr().out
    assert "database: sqlite:///state/connector.db (schema version" in out
    assert "acme" in out and "3 granted" in out
    assert "outlet" in out and "paused" in out and "disabled" in out
    assert "All checks passed." in out
    assert sorted(StubAdapter.closed) == ["acme", "outlet"]


def test_one_failing_shop_shows_as_its_own_row_and_exit_one(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_two_shops(workdir / "connector.toml", monkeypatch)
    stub_adapters(
        monkeypatch,
        {
            "acme": {"ok": False, "granted": ("read_products",), "missing": ("write_orders",)},
            "outlet": AuthError("WooCommerce refused the consumer key (HTTP 401)"),
        },
    )

    assert main(["check"]) == 1

    out = capsys.readouterr().out
    assert "✗ acme: missing scope or permission write_orders" in out
    assert "✗ outlet: WooCommerce refused the consumer key (HTTP 401)" in out
    assert "Some checks failed." in out
    assert "shpat_1" not in out and "cs_1" not in out


def test_check_json_reports_each_shop(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_two_shops(workdir / "connector.toml", monkeypatch)
    monkeypatch.setenv("CONNECTOR_DATABASE_URL", "postgresql+psycopg://u:hunter2@127.0.0.1:1/none")
    stub_adapters(
        monkeypatch,
        {"acme": {"ok": True, "granted": ("read_orders",)}, "outlet": RuntimeError("adapter bug")},
    )

    assert main(["check", "--json"]) == 1

    out = capsys.readouterr().out
    report = json.loads(out)
    assert report["database"]["ok"] is False
    assert report["database"]["url"] == "postgresql+psycopg://u:***@127.0.0.1:1/none"
    assert "hunter2" not in out
    rows = {row["shop"]: row for row in report["shops"]}
    assert rows["acme"]["status"] == "ok" and rows["acme"]["granted"] == ["read_orders"]
    assert rows["outlet"]["status"] == "failed"
    assert "adapter bug" in rows["outlet"]["problems"][0]
    assert rows["paused"]["status"] == "disabled"


def test_check_says_which_shop_it_is_asking_before_it_waits_for_the_answer(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreachable shop takes seconds of retries: the owner sees what is being checked."""
    write_two_shops(workdir / "connector.toml", monkeypatch)
    said_before: dict[str, str] = {}

    class Slow(StubAdapter):
        def check(self) -> CheckReport:
            said_before[self.shop] = capsys.readouterr().err
            return super().check()

    monkeypatch.setattr(
        adapters, "create_adapter", lambda shop, **_: Slow(shop, {"ok": True, "granted": ()})
    )
    assert main(["check"]) == 0
    assert (
        said_before["acme"]
        .strip()
        .endswith("checking acme (shopify) at https://acme.myshopify.com ...")
    )
    assert (
        said_before["outlet"]
        .strip()
        .endswith("checking outlet (woocommerce) at https://outlet.example.com ...")
    )
