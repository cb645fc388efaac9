"""The support commands from a store owner's terminal: status, order, resync usage, run --listen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli.main import cli, main
from connector.cycle import CycleReport, record_run
from connector.db import open_database
from connector.platform import ResyncTarget
from connector.resync_queue import enqueue_resync

CONFIG = """
database_url = "sqlite:///{db}"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "https://outlet.example.com"
consumer_key = "env:OUTLET_KEY"
consumer_secret = "env:OUTLET_SECRET"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTLET_KEY", "ck_0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setenv("OUTLET_SECRET", "cs_0123456789abcdef0123456789abcdef01234567")
    path = tmp_path / "connector.toml"
    path.write_text(CONFIG.format(db=tmp_path / "state.db"))
    return path


def test_status_json_on_a_fresh_database_says_never_synced(config: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config), "status", "--json"])
    assert result.exit_code == 0, result.output
    [shop] = json.loads(result.stdout)
    assert shop["shop"] == "outlet"
    assert shop["last_success"] is None
    assert shop["queue"] == {"lines": 0, "units": 0, "skus": 0}
    assert "cs_0123" not in result.output


def test_status_shows_a_failed_run_and_a_waiting_resync(config: Path, tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    failed = CycleReport(shop="outlet", started_at=db.clock(), finished_at=db.clock())
    failed.error = "AuthError: consumer key refused (woocommerce, HTTP 401)"
    record_run(db.engine, failed)
    with db.engine.begin() as conn:
        enqueue_resync(
            conn, "outlet", ResyncTarget(order_ids=("1042",)), source="cli", now=db.clock()
        )
    db.close()
    result = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert result.exit_code == 0, result.output
    assert "consumer key refused" in result.output
    assert "never" in result.output
    data = json.loads(CliRunner().invoke(cli, ["--config", str(config), "status", "--json"]).stdout)
    assert data[0]["resyncs_pending"] == 1
    assert data[0]["last_run_ok"] is False


def test_order_that_does_not_exist_is_one_clear_line_and_exit_2(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "order", "1042"]) == 2
    err = capsys.readouterr().err
    assert "no order '1042' in outlet" in err
    assert "Traceback" not in err


def test_resync_needs_exactly_one_target(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "resync", "--shop", "outlet"]) == 2
    assert "exactly one of --order N, --sku X or --all" in capsys.readouterr().err
    assert main(["--config", str(config), "resync", "--shop", "nope", "--all"]) == 2
    assert "no shop named 'nope'" in capsys.readouterr().err


def test_run_rejects_a_bad_listen_address(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "run", "--listen", "8080"]) == 2
    assert "HOST:PORT" in capsys.readouterr().err
