"""Purchase orders as the store owner types them: what cannot be right is refused or confirmed,
and importing a sheet says what it changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import AT, run, run_main


def test_receiving_more_than_ordered_is_refused_unless_confirmed(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo (99 for 4) would close the PO and take its promise from every waiting customer."""
    code, err = run_main(config, capsys, *AT, "po", "receive", "PO1", "99")
    assert code == 2
    assert err.strip().splitlines() == [
        "error: purchase order PO1 has 2 ordered and 0 received: 99 more would make 99/2. "
        "Give the units that arrived, or add --more-than-ordered if the supplier sent more."
    ]
    _, out, _ = run(config, "po", "list", "--json")
    assert [(p["id"], p["received"]) for p in json.loads(out)] == [("PO1", 0), ("PO2", 0)]

    code, out, _ = run(config, "po", "receive", "PO1", "3", "--more-than-ordered")
    assert (code, out.strip()) == (0, "Purchase order PO1: 3/2 received (1 more than ordered).")


def test_a_purchase_order_due_in_the_past_is_refused(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_main(
        config, capsys, *AT, "po", "add", "--sku", "SOFA-OAK", "--quantity", "2",
        "--expected", "2026-11-19",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == (
        "error: --expected 2026-11-19 is in the past (today is 2026-11-20 in demo): "
        "give the date the supplier gives now, or leave --expected out (no date yet)"
    )
    _, out, _ = run(config, "po", "list", "--json")
    assert len(json.loads(out)) == 2


def test_an_unknown_sku_is_saved_with_a_warning(config: Path) -> None:
    code, out, err = run(config, *AT, "po", "add", "--sku", "SOFA-OKA", "--quantity", "2")
    assert code == 0
    assert "warning: SOFA-OKA is not a SKU of demo's catalog" in err
    assert "typo" in err
    assert "2 x SOFA-OKA" in out


def test_importing_a_sheet_says_what_changed_and_refuses_past_dates(
    config: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "pos.csv"
    sheet.write_text(
        "sku,quantity,expected_date,reference\n"
        "SOFA-OAK,4,2026-12-05,NH-1\n"
        "SOFA-OAK,2,2026-12-09,NH-2\n"
        "SOFA-OKA,1,2026-12-09,NH-3\n"
        "SOFA-OAK,1,2026-11-02,NH-4\n"
    )
    code, out, err = run(config, *AT, "po", "import", str(sheet))
    assert code == 1
    assert f"Imported {sheet}: 3 new, 0 changed, 0 unchanged." in out
    assert "line 4: warning: SOFA-OKA is not a SKU of demo's catalog" in err
    assert "skipped line 5: expected_date 2026-11-02 is in the past (today is 2026-11-20)" in err

    sheet.write_text(
        "sku,quantity,expected_date,reference\n"
        "SOFA-OAK,4,2026-12-05,NH-1\n"
        "SOFA-OAK,2,2026-12-09,NH-2\n"
    )
    code, out, _ = run(config, *AT, "po", "import", str(sheet))
    assert (code, out.strip()) == (0, f"Imported {sheet}: 0 new, 0 changed, 2 unchanged.")

    sheet.write_text(
        "sku,quantity,expected_date,reference\n"
        "SOFA-OAK,4,2026-12-12,NH-1\n"
        "SOFA-OAK,2,2026-12-09,NH-2\n"
    )
    code, out, _ = run(config, *AT, "po", "import", str(sheet))
    assert code == 0
    assert out.strip().splitlines() == [
        f"Imported {sheet}: 0 new, 1 changed, 1 unchanged.",
        "  changed NH-1:SOFA-OAK: expected 2026-12-05 -> 2026-12-12",
    ]


def test_a_stored_purchase_order_already_overdue_imports_as_unchanged(
    config: Path, tmp_path: Path
) -> None:
    """The same sheet a week later: a PO still due yesterday is not a new mistake to refuse."""
    sheet = tmp_path / "pos.csv"
    sheet.write_text("sku,quantity,expected_date,reference\nSOFA-OAK,4,2026-11-25,NH-1\n")
    assert run(config, *AT, "po", "import", str(sheet))[0] == 0
    code, out, _ = run(config, "--now", "2026-11-30", "po", "import", str(sheet))
    assert (code, out.strip()) == (0, f"Imported {sheet}: 0 new, 0 changed, 1 unchanged.")


def test_the_reason_for_customers_comes_from_po_add_or_the_sheet(
    config: Path, tmp_path: Path
) -> None:
    code, _, _ = run(
        config, *AT, "po", "add", "--sku", "SOFA-OAK", "--quantity", "2", "--reference", "NH-1",
        "--expected", "2026-12-05", "--reason", "The factory closes for the holidays.",
    )  # fmt: skip
    assert code == 0
    _, out, _ = run(config, "po", "list", "--json")
    [added] = [p for p in json.loads(out) if p["id"] == "NH-1:SOFA-OAK"]
    assert added["reason"] == "The factory closes for the holidays."
    _, out, _ = run(config, "po", "list", "--sku", "SOFA-OAK")
    assert 'expected 2026-12-05  reason: "The factory closes for the holidays."' in out

    # A sheet without a reason column keeps it; one with the column sets it.
    sheet = tmp_path / "pos.csv"
    sheet.write_text("sku,quantity,expected_date,reference\nSOFA-OAK,2,2026-12-05,NH-1\n")
    code, out, _ = run(config, *AT, "po", "import", str(sheet))
    assert out.strip() == f"Imported {sheet}: 0 new, 0 changed, 1 unchanged."
    sheet.write_text(
        "sku,quantity,expected_date,reference,reason\n"
        "SOFA-OAK,2,2026-12-05,NH-1,The ship is late.\n"
    )
    code, out, _ = run(config, *AT, "po", "import", str(sheet))
    assert out.strip().splitlines()[1] == (
        "  changed NH-1:SOFA-OAK: reason The factory closes for the holidays. -> The ship is late."
    )
