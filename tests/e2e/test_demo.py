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


@pytest.mark.slow
def test_the_kept_demo_state_opens_with_the_support_tools_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/demo.md's --keep recipe: the commands the demo prints work as printed."""
    import re
    import shlex
    import shutil

    from rich.console import Console

    from connector.cli.main import main
    from connector.demo import run_demo

    console = Console(width=200, record=True)
    assert run_demo(outbox_dir=tmp_path / "mail", keep=True, console=console) == 0
    text = console.export_text()
    commands = re.findall(r"^\s+(connector --config \S+ (?:status|order \S+))$", text, re.M)
    assert len(commands) == 2, text[-1500:]
    try:
        for command in commands:
            capsys.readouterr()
            assert main(shlex.split(command)[1:]) == 0, capsys.readouterr().err
            assert "Order " in capsys.readouterr().out or "status" in command
    finally:
        shutil.rmtree(Path(shlex.split(commands[0])[2]).parent, ignore_errors=True)


@pytest.mark.slow
def test_each_demo_shop_sells_in_one_currency_and_offers_a_cheaper_swap(tmp_path: Path) -> None:
    """A customer waiting for a sold-out mug in either demo shop is offered the cheaper in-stock
    colour on the order page: the swap compares prices only within one currency, so a shop whose
    orders and catalog disagree would never offer it."""
    import io
    import re
    import shutil

    from rich.console import Console

    from connector.db import open_database
    from connector.demo import run_demo
    from connector.web.customer_swap import alternatives

    console = Console(file=io.StringIO(), width=200, record=True)
    assert run_demo(outbox_dir=tmp_path / "mail", keep=True, console=console) == 0
    workdir = Path(re.findall(r"are in (\S+)/:", console.export_text())[0])
    db = open_database(f"sqlite:///{workdir / 'demo.db'}")
    try:
        for shop in ("nordhem-shopify", "nordhem-woo"):
            catalog = {v.price.currency for v in db.variants(shop)}
            offered = []
            for entry in (e for e in db.queue(shop) if e.waiting > 0):
                order = db.order(shop, entry.order_id)
                assert order is not None
                assert {line.price.currency for line in order.lines} == catalog, shop
                offered += alternatives(db, order, entry.line_id, entry.waiting, [])
            assert len(catalog) == 1, (shop, catalog)
            assert offered, f"{shop}: no waiting line is offered a swap"
    finally:
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)
