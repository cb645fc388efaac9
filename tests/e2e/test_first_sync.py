"""A fresh database pointed at a shop that already has waiting customers: they are queued and
held, but not mailed a confirmation (notify_existing = false); `plan --sync` shows it first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV
from tests.e2e.test_cli_live import outlet_sandbox


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any]]:
    with outlet_sandbox(
        tmp_path, monkeypatch, edit=lambda text: text.replace("notify_existing = true\n", "")
    ) as shop:
        yield shop


def test_existing_waiting_customers_are_not_mailed_on_the_first_run(
    fresh: tuple[Path, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, store = fresh
    assert main(["--config", str(config), "plan"]) == 0
    assert "connector plan --sync" in capsys.readouterr().err

    assert main(["--config", str(config), "plan", "--sync"]) == 0
    out = capsys.readouterr().out
    assert "email backorder_confirmation" not in out
    [quiet] = [line for line in out.splitlines() if "before the first sync" in line]
    assert "get no confirmation (notify_existing = false)" in quiet
    assert " 0 emails" in out

    assert main(["--config", str(config), "run", "--once"]) == 0
    capsys.readouterr()
    outbox = tmp_path / "outbox"
    assert not outbox.exists() or not any(outbox.iterdir())

    # A customer who orders after the first sync is confirmed as always.
    from connector.db import open_database

    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    sku = db.queue("outlet")[0].sku  # existing customers wait: they are queued, not forgotten
    db.close()
    monkeypatch.setenv(NOW_ENV, store.advance_clock(timedelta(hours=1)).isoformat())
    late = store.place_order("late@example.com", [(sku, 1)], name="Late Comer")
    assert late
    assert main(["--config", str(config), "run", "--once"]) == 0
    mails = [p.read_text() for p in outbox.iterdir()]
    assert len(mails) == 1 and "late@example.com" in mails[0]
