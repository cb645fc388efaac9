"""The one clock from a terminal: ``--now`` / ``CONNECTOR_NOW`` for reading anywhere, and refused
where a moved clock would write to a real shop or mail its customers (docs/support.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connector.clock import NOW_ENV
from tests.cli.conftest import AT, run, run_main
from tests.engine.builders import NOW


def test_the_environment_variable_is_the_same_clock_as_the_option(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, by_option, _ = run(config, *AT, "plan")
    assert code == 0
    monkeypatch.setenv(NOW_ENV, NOW.isoformat())
    code, by_environment, _ = run(config, "plan")
    assert code == 0
    assert by_environment == by_option
    assert "Ships by December 22, 2026" in by_environment


def test_a_later_instant_is_a_later_plan(config: Path) -> None:
    """The report counts up to the instant given: a wait measured at NOW is shorter than the same
    wait measured a month later, which only holds if every part of the command read that clock."""
    _, at_now, _ = run(config, *AT, "report", "--json")
    _, later, _ = run(config, "--now", "2026-12-20", "report", "--json")
    [report_now], [report_later] = json.loads(at_now), json.loads(later)
    assert report_now["until"].startswith(NOW.date().isoformat())
    assert report_later["until"].startswith("2026-12-20")


def test_purchase_orders_added_at_one_fixed_instant_stay_two(config: Path) -> None:
    for quantity in ("1", "2"):
        code, out, _ = run(config, *AT, "po", "add", "--sku", "SOFA-OAK", "--quantity", quantity)
        assert code == 0, out
    code, out, _ = run(config, "po", "list", "--sku", "SOFA-OAK", "--json")
    made_up = [po for po in json.loads(out) if po["id"].startswith("PO-")]
    assert sorted(po["quantity"] for po in made_up) == [1, 2]
    assert {po["created_at"] for po in made_up} == {NOW.isoformat()}


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "12/04/2026"])
def test_a_bad_instant_is_one_line_naming_the_option(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(NOW_ENV, value)
    code, err = run_main(config, capsys, "plan")
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: --now ({NOW_ENV}) wants an ISO date or time such as 2026-12-04 or "
        f"2026-12-04T09:30:00+01:00, got {value!r}"
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["run"], "cannot be used with the daemon; add --once"),
        (["run", "--once"], "connector run would write to demo at a moved clock"),
        (["resync", "--shop", "demo", "--all"], "connector resync would write to demo"),
    ],
)
def test_a_moved_clock_never_writes_to_a_real_shop(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    """The demo shop of this config is on myshopify.com: a plan at another instant is fine, a write
    at one would give its products and customers the dates of another day."""
    code, err = run_main(config, capsys, *AT, *args)
    assert code == 2
    assert said in err
    code, err = run_main(config, capsys, *AT, "plan")
    assert code == 0
