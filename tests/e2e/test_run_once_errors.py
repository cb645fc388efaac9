"""`connector run --once` when a shop cannot be reached or refuses the key: one line per shop that
says what failed and where, no traceback (unless --debug), and no secret anywhere."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.seed import demo_spec

KEY = "ck_0123456789abcdef0123456789abcdef01234567"
SECRET = "cs_0123456789abcdef0123456789abcdef01234567"

CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "dry-run"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "{url}"
consumer_key = "env:OUTLET_KEY"
consumer_secret = "env:OUTLET_SECRET"
max_retries = 2

[default_policy]
name = "default"
mode = "stop"
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTLET_KEY", KEY)
    monkeypatch.setenv("OUTLET_SECRET", SECRET)


def test_an_unreachable_shop_is_one_line_naming_the_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], env: None
) -> None:
    port = _closed_port()
    config = tmp_path / "connector.toml"
    config.write_text(CONFIG.format(db=tmp_path / "state.db", url=f"http://127.0.0.1:{port}/shop"))
    assert main(["--config", str(config), "run", "--once"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert captured.out.strip() == (
        "outlet: FAILED: RetryableError: network error after 2 attempts: connection refused "
        f"(GET http://127.0.0.1:{port}/shop/wp-json/wc/v3/orders)"
    )
    # The request was signed (OAuth 1.0a over http): nothing of the signature or key is shown.
    for secret in (KEY, SECRET, "oauth_"):
        assert secret not in captured.err + captured.out

    # --debug shows the traceback, still without the signed query string.
    assert main(["--debug", "--config", str(config), "run", "--once"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" in captured.err
    assert KEY not in captured.err and "oauth_signature" not in captured.err


def test_a_refused_key_is_one_line_without_a_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    monkeypatch.setenv(NOW_ENV, clock().isoformat())  # before the server thread starts
    with WooCommerceSandbox(demo_spec(), clock=clock) as store:
        config = tmp_path / "connector.toml"
        config.write_text(CONFIG.format(db=tmp_path / "state.db", url=store.base_url))
        assert main(["--config", str(config), "run", "--once"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    [line] = captured.out.strip().splitlines()
    assert line.startswith("outlet: FAILED: ") and "401" in line
    assert KEY not in captured.err + captured.out
