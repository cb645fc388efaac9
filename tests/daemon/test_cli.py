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
from connector.status import minute_utc

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


def test_status_on_a_mistyped_database_url_says_so_and_creates_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "status"]) == 1
    err = capsys.readouterr().err
    assert "no state database at" in err and "database_url" in err
    assert not (tmp_path / "state.db").exists()
    assert main(["--config", str(config), "order", "1001"]) == 1
    assert not (tmp_path / "state.db").exists()


def test_status_json_on_a_fresh_database_says_never_synced(config: Path, tmp_path: Path) -> None:
    open_database(f"sqlite:///{tmp_path / 'state.db'}").close()
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


def test_order_that_does_not_exist_is_one_clear_line_and_exit_1(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_database(f"sqlite:///{tmp_path / 'state.db'}").close()
    assert main(["--config", str(config), "order", "1042"]) == 1
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


TWO_SHOPS = (
    CONFIG
    + """
[[shops]]
name = "corner"
platform = "woocommerce"
url = "https://corner.example.com"
consumer_key = "env:OUTLET_KEY"
consumer_secret = "env:OUTLET_SECRET"
"""
)


def test_an_order_number_two_shops_share_is_never_guessed(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from tests.db.test_store import order

    config.write_text(TWO_SHOPS.format(db=tmp_path / "state.db"))
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    for shop in ("outlet", "corner"):
        mine = order(f"{shop}-29")
        db.upsert_orders([replace(mine, shop=shop, customer=replace(mine.customer, shop=shop))])
    db.close()
    assert main(["--config", str(config), "order", "#1001"]) == 2
    err = capsys.readouterr().err
    assert "outlet" in err and "corner" in err and "--shop" in err
    assert main(["--config", str(config), "order", "#1001", "--shop", "corner", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["shop"] == "corner"


def test_check_names_an_unreachable_shop_without_its_keys_and_fails_once(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import requests

    import adapters

    class Unreachable:
        def check(self) -> None:
            raise requests.ConnectionError(
                "HTTPConnectionPool(host='outlet.example.com', port=443): Max retries exceeded with "
                "url: /wp-json/wc/v3?oauth_consumer_key=ck_abc&oauth_signature=c2lnbmF0dXJl"
            )

        def close(self) -> None:
            pass

    monkeypatch.setattr(adapters, "create_adapter", lambda shop, **kw: Unreachable())
    assert main(["--config", str(config), "check"]) == 1
    captured = capsys.readouterr()
    both = captured.out + captured.err
    assert "cannot reach https://outlet.example.com" in both
    assert "ck_abc" not in both and "c2lnbmF0dXJl" not in both and "Max retries" not in both
    assert both.lower().count("some checks failed") == 1


def test_order_shows_skus_titles_and_utc_minutes_and_json_keeps_every_id(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a support agent's wide terminal: no wrapped cells
    from dataclasses import replace
    from datetime import UTC, date, datetime

    from connector.model import BackorderEntry, BackorderEvent, BackorderEventKind
    from tests.db.test_store import order

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    mine = order("gid://shopify/Order/100")
    mine = replace(mine, shop="outlet", customer=replace(mine.customer, shop="outlet"))
    db.upsert_orders([mine])
    at = datetime(2026, 11, 3, 8, 15, 42, 123456, tzinfo=UTC)
    line = "gid://shopify/LineItem/1"
    db.replace_queue(
        "outlet",
        [
            BackorderEntry(
                "outlet",
                "SOFA-OSLO-GRY",
                mine.platform_id,
                line,
                "ana@example.com",
                at,
                1,
                position=1,
                eta=date(2026, 12, 1),
                reason="PO-7 arrives 2026-11-24",
            )
        ],
    )
    db.append_events(
        [
            BackorderEvent(
                "outlet",
                at,
                BackorderEventKind.ETA_SET,
                "SOFA-OSLO-GRY",
                1,
                order_id=mine.platform_id,
                line_id=line,
                eta=date(2026, 12, 1),
            )
        ]
    )
    db.close()

    assert main(["--config", str(config), "order", "1001"]) == 0
    shown = capsys.readouterr().out
    assert "gid://" not in shown
    assert "SOFA-OSLO-GRY (Oslo Sofa - Grey)" in shown  # the waiting line, by what it is
    assert "Gift wrap" in shown
    assert "placed 2026-10-30 22:59 UTC" in shown  # 23:59:59 in Berlin
    assert "2026-11-03 08:15 UTC" in shown and "123456" not in shown and ":42" not in shown

    assert main(["--config", str(config), "order", "1001", "--json"]) == 0
    story = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in story["lines"]] == [line, "gid://shopify/LineItem/2"]
    assert story["queue"][0]["line_id"] == line
    assert story["history"][0]["at"] == at.isoformat()
    assert story["holds"] == [line]


def test_status_says_when_waiting_orders_were_last_reread_and_a_failed_reread(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    check = CycleReport(shop="outlet", started_at=db.clock(), finished_at=db.clock())
    check.reconciled.orders, check.reconciled.pages, check.reconciled.requests = 140, 2, 2
    record_run(db.engine, check, kind="promise")
    db.close()
    result = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert result.exit_code == 0, result.output
    assert "waiting orders re-read" in result.output
    assert "140 orders in 2 API requests" in result.output
    # When, as support reads every time: to the minute, in UTC, saying so.
    assert f"waiting orders re-read {minute_utc(check.started_at)}, 140 orders" in result.output

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    failed = CycleReport(shop="outlet", started_at=db.clock(), finished_at=db.clock())
    failed.reconcile_error = "RetryableError: HTTP 503 from the shop"
    record_run(db.engine, failed, kind="promise")
    db.close()
    result = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert "re-reading the waiting orders failed: RetryableError: HTTP 503" in result.output
    data = json.loads(CliRunner().invoke(cli, ["--config", str(config), "status", "--json"]).stdout)
    assert data[0]["last_reconcile"]["error"] == "RetryableError: HTTP 503 from the shop"


@pytest.mark.parametrize("columns", ["80", "160"])
def test_status_keeps_dates_and_words_whole_at_any_width(
    config: Path, tmp_path: Path, columns: str
) -> None:
    """At 80 columns the table folded '2026-11-' from '07 20:52' and 'product' from 's'."""
    from connector.clock import FrozenClock
    from tests.engine.builders import NOW

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}", clock=FrozenClock(NOW))
    record_run(db.engine, CycleReport(shop="outlet", started_at=NOW, finished_at=NOW))
    db.set_cursor("outlet", "products", "2026-11-20T11:00:00Z")
    db.set_cursor("outlet", "orders", "2026-11-20T11:00:00Z")
    db.close()
    result = CliRunner(env={"COLUMNS": columns}).invoke(
        cli, ["--config", str(config), "--now", NOW.isoformat(), "status"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    assert "2026-11-20 12:00 UTC" in out
    assert "products 0s" in out and "orders 0s" in out
    assert "0 lines / 0 units / 0 SKUs" in out
