"""The support tools against a running WooCommerce sandbox, through the real CLI and a TOML config."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main as connector_main
from connector.clock import NOW_ENV, FrozenClock
from connector.db import open_database
from connector.lease import acquire
from connector.sandbox.seed import demo_spec

CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "folder"
folder = "{outbox}"
owner_email = "owner@example.com"

[[shops]]
name = "outlet"
platform = "woocommerce"
url = "{url}"
consumer_key = "env:OUTLET_KEY"
consumer_secret = "env:OUTLET_SECRET"
webhook_secret = "env:OUTLET_HOOK"
requests_per_second = 100
# The sandbox's orders predate the first sync; these tests follow their confirmations.
notify_existing = true

[[policies]]
name = "backorders"
mode = "backorder"
lead_time_days = 21

[policies.match]
skus = ["*"]

[default_policy]
name = "default"
mode = "stop"
"""


@contextlib.contextmanager
def outlet_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, edit: Callable[[str], str] = str
) -> Iterator[tuple[Path, Any]]:
    """The demo's WooCommerce sandbox as the shop ``outlet``: its keys in the environment, a
    config for it (``edit`` may change the text) and the CLI's clock at the sandbox's instant."""
    from connector.sandbox.woocommerce import WooCommerceSandbox

    clock = FrozenClock(demo_spec().start)
    store = WooCommerceSandbox(demo_spec(), clock=clock)
    # The environment is set before the sandbox's server thread starts: setenv growing the
    # environment while another thread reads it (getenv in C code) can crash the process.
    creds = store.credentials()
    monkeypatch.setenv("OUTLET_KEY", creds["consumer_key"])
    monkeypatch.setenv("OUTLET_SECRET", creds["consumer_secret"])
    monkeypatch.setenv("OUTLET_HOOK", "hook-secret")
    monkeypatch.setenv(NOW_ENV, clock().isoformat())
    with store:
        config = tmp_path / "connector.toml"
        text = CONFIG.format(
            db=tmp_path / "state.db", outbox=tmp_path / "outbox", url=store.base_url
        )
        config.write_text(edit(text))
        yield config, store


@pytest.fixture
def outlet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any]]:
    with outlet_sandbox(tmp_path, monkeypatch) as shop:
        yield shop


def test_run_once_then_status_order_and_resync(
    outlet: tuple[Path, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, store = outlet

    def main(argv: list[str]) -> int:
        # The CLI plans at the sandbox's instant, as a support engineer reproducing a case would:
        # its orders and stock are of that day, whatever the calendar says today.
        monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
        return connector_main(argv)

    assert main(["--config", str(config), "run", "--once"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("outlet: synced ")
    assert "lines waiting" in out
    # Not a terminal: the first sync says what it read, in the log, rather than nothing.
    assert "first sync of outlet: reading products" in err
    assert "first sync of outlet done: " in err and "objects/s" in err

    assert main(["--config", str(config), "status", "--json"]) == 0
    [status] = json.loads(capsys.readouterr().out)
    # The cycle ran on the sandbox's day, not the calendar's: support reads that instant back.
    assert status["last_success"] == store.clock().isoformat()
    assert status["queue"]["lines"] > 0
    assert status["outbox"]["sent"] > 0 and status["outbox"]["pending"] == 0

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    waiting = db.queue("outlet")[0]
    number = db.order("outlet", waiting.order_id).number  # type: ignore[union-attr]
    db.close()
    assert main(["--config", str(config), "order", number, "--json"]) == 0
    story = json.loads(capsys.readouterr().out)
    assert story["order"]["number"] == number
    assert any(entry["sku"] == waiting.sku for entry in story["queue"])
    assert story["emails"], "the customer was told"
    assert main(["--config", str(config), "order", number]) == 0
    assert f"Order {number}" in capsys.readouterr().out

    # No daemon holds the shop: the resync runs at once.
    store.advance_clock(timedelta(hours=1))
    assert main(["--config", str(config), "resync", "--shop", "outlet", "--order", number]) == 0
    assert capsys.readouterr().out.startswith("outlet: synced ")

    # An order placed since the last sync is looked up on the platform by its number.
    new_id = store.place_order("late@example.com", [(waiting.sku, 1)], name="Late Comer")
    assert main(["--config", str(config), "resync", "--shop", "outlet", "--order", new_id]) == 0
    capsys.readouterr()
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    assert db.order("outlet", new_id) is not None
    db.close()
    # A number the platform does not know either is one clear line and exit 1.
    assert main(["--config", str(config), "resync", "--shop", "outlet", "--order", "999999"]) == 1
    assert "order 999999 was not found on outlet" in capsys.readouterr().err

    # A daemon holds the shop: the request waits in the database for it.
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    assert acquire(db.engine, "outlet", "other-daemon", db.clock(), timedelta(minutes=5))
    assert main(["--config", str(config), "resync", "--shop", "outlet", "--sku", waiting.sku]) == 0
    assert "the resync is queued" in capsys.readouterr().out
    assert main(["--config", str(config), "status", "--json"]) == 0
    [status] = json.loads(capsys.readouterr().out)
    assert status["resyncs_pending"] == 1
    assert status["lease"]["holder"] == "other-daemon"
    # Looking at another instant does not make the live daemon's lease look expired: leases are
    # compared on the database's clock, not on --now.
    assert connector_main(["--config", str(config), "--now", "2031-01-01", "status", "--json"]) == 0
    [status] = json.loads(capsys.readouterr().out)
    assert status["lease"]["holder"] == "other-daemon"
    db.close()


def test_resync_of_an_order_nobody_has_changes_nothing_and_sends_nothing(
    outlet: tuple[Path, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Support mistypes an order number while a plan is pending (a new order, a queued resync):
    the lookup fails first, and nothing else runs: no queued resync, no write, no email."""
    from connector.platform import ResyncTarget
    from connector.resync_queue import enqueue_resync, pending_resyncs

    config, store = outlet
    monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
    assert connector_main(["--config", str(config), "run", "--once"]) == 0
    capsys.readouterr()
    outbox = tmp_path / "outbox"
    sent = sorted(outbox.iterdir())
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    waiting = db.queue("outlet")[0]
    late = store.place_order("late@example.com", [(waiting.sku, 1)], name="Late Comer")
    with db.engine.begin() as conn:
        enqueue_resync(
            conn, "outlet", ResyncTarget(order_ids=(late,)), source="webhook", now=db.clock()
        )
    runs = db.engine.connect().exec_driver_sql("select count(*) from cycle_runs").scalar()

    for typed in ("99999", "#99999"):
        code = connector_main(
            ["--config", str(config), "resync", "--shop", "outlet", "--order", typed]
        )
        err = capsys.readouterr().err
        assert code == 1
        assert err.strip().splitlines() == [
            f"error: order {typed} was not found on outlet; nothing was resynced, applied or sent"
        ]
    assert sorted(outbox.iterdir()) == sent
    assert db.order("outlet", late) is None
    assert len(pending_resyncs(db.engine, "outlet")) == 1
    assert db.engine.connect().exec_driver_sql("select count(*) from cycle_runs").scalar() == runs
    db.close()


def test_check_tells_the_owner_of_supply_that_serves_nobody_and_stock_set_by_hand(
    outlet: tuple[Path, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    from connector.model import StockStatus

    config, store = outlet
    monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
    assert connector_main(["--config", str(config), "run", "--once"]) == 0
    due = (store.clock() + timedelta(days=20)).date().isoformat()
    assert (
        connector_main(
            [
                "--config",
                str(config),
                "po",
                "add",
                "--sku",
                "NO-SUCH-SKU",
                "--quantity",
                "3",
                "--expected",
                due,
                "--id",
                "PO-TYPO",
            ]
        )
        == 0
    )
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    first = db.variants("outlet")[0]
    db.upsert_variants(
        [
            dataclasses.replace(
                first,
                tracked=False,
                untracked_status=StockStatus.BACKORDER,
                updated_at=first.updated_at + timedelta(seconds=1),
            )
        ]
    )
    db.close()
    capsys.readouterr()

    assert connector_main(["--config", str(config), "check", "--json"]) == 0
    [shop] = json.loads(capsys.readouterr().out)["shops"]
    assert shop["notes"] == [
        "purchase order PO-TYPO is for NO-SUCH-SKU, which no product of the shop has (a typo, or a "
        "product not synced yet): it serves nobody",
        "1 variant(s) with stock management off, set to On backorder by hand: every unit sold "
        f"waits until you record supply (connector po add) or change the status: {first.sku}",
    ]
    # Notes inform; they do not fail the check.
    assert connector_main(["--config", str(config), "check"]) == 0
    assert "! outlet: purchase order PO-TYPO is for NO-SUCH-SKU" in capsys.readouterr().out
