"""``connector demo``: finishes with exit 0 and tells the story a newcomer needs to see."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_connector_demo_runs_offline_and_prints_each_step(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "connector.cli.main", "demo", "--outbox", str(tmp_path / "mail")],
        check=False,
        cwd=tmp_path,  # no config anywhere near: the demo needs none
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "160"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for step in (
        "Step 1: the supplier tells us what is coming",
        "Step 2: first sync",
        "Step 3: a quiet cycle",
        "Step 4: stock arrives early",
        "Step 5: a supplier slips",
        "Step 6: a customer cancels",
        "What happened",
    ):
        assert step in out
    assert "keep selling when out of stock" in out or "stop selling" in out
    assert "who waits for what" in out
    # Stock for one line of a two-line held order: one move, named by SKU, not release + hold.
    assert "3 x CHAI-000002-1 ships now; hold moved to the 3 x TABL-000005-1 still waiting" in out
    assert "release the hold" not in out
    emails = list((tmp_path / "mail").glob("*.eml"))
    assert emails, "the demo should write customer emails"
    assert f"{len(emails)} emails in" in out
