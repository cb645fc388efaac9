"""Purchase orders from a store owner's spreadsheet: good rows kept, bad rows reported, none lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connector.supply_import import keep_received, parse_purchase_orders, read_purchase_orders
from tests.engine.builders import NOW, po


def test_good_rows_become_purchase_orders_and_bad_rows_say_why() -> None:
    text = (
        "\ufeffSKU,Quantity,Expected Date,Supplier,Reference,Received\n"
        "SOFA-OAK,4,2026-12-05,Nordhus,NH-1,1\n"
        "SOFA-OAK,0,2026-12-05,Nordhus,NH-2,\n"
        ",3,2026-12-05,Nordhus,NH-3,\n"
        "\n"
        "LAMP-1,2,,Lumen,,\n"
        "SOFA-OAK,4,2026-12-05,Nordhus,NH-1,\n"
        "MUG,1,2026-12-01,Atelier,X,0,extra\n"
    )
    result = parse_purchase_orders(text, "demo", NOW)
    first, undated = result.purchase_orders
    assert (first.id, first.sku, first.quantity, first.received) == (
        "NH-1:SOFA-OAK",
        "SOFA-OAK",
        4,
        1,
    )
    assert first.expected_date == date(2026, 12, 5) and first.supplier == "Nordhus"
    assert undated.expected_date is None and undated.id.startswith("csv-")
    assert [str(p) for p in result.problems] == [
        "line 3: quantity must be at least 1, got 0",
        "line 4: sku is empty",
        "line 7: same purchase order as line 2 (NH-1:SOFA-OAK)",
        "line 8: more cells than columns",
    ]


def test_importing_the_same_sheet_twice_gives_the_same_ids() -> None:
    text = "sku,quantity\nSOFA-OAK,3\n"
    once = parse_purchase_orders(text, "demo", NOW).purchase_orders
    twice = parse_purchase_orders(text, "demo", NOW).purchase_orders
    assert [p.id for p in once] == [p.id for p in twice]


def test_a_sheet_without_the_needed_columns_or_not_text_is_reported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert [str(p) for p in parse_purchase_orders("name,qty\nx,1\n", "demo", NOW).problems] == [
        "line 1: missing column(s): sku, quantity"
    ]
    binary = tmp_path / "pos.csv"
    binary.write_bytes(b"\xff\xfe\x00sku")
    assert "not UTF-8" in str(read_purchase_orders(binary, "demo", NOW).problems[0])


def test_a_row_without_a_received_count_keeps_the_one_already_booked() -> None:
    text = "sku,quantity,reference,received\nSOFA-OAK,4,NH-1,\nLAMP-1,2,NH-2,2\nMUG,5,NH-3,\n"
    result = parse_purchase_orders(text, "demo", NOW)
    assert result.received_given == {"NH-2:LAMP-1"}
    stored = [
        po("NH-1:SOFA-OAK", "SOFA-OAK", 4, None, received=3),
        po("NH-2:LAMP-1", "LAMP-1", 2, None, received=1),
    ]
    kept = keep_received(result.purchase_orders, stored, result.received_given)
    assert [(p.id, p.received) for p in kept] == [
        ("NH-1:SOFA-OAK", 3),  # the sheet says nothing: what was booked stays
        ("NH-2:LAMP-1", 2),  # the sheet says 2: taken at its word
        ("NH-3:MUG", 0),  # new
    ]


def test_a_file_that_cannot_be_read_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = read_purchase_orders(tmp_path, "demo", NOW)  # a folder: reading it fails
    assert result.purchase_orders == []
    assert [p.line for p in result.problems] == [0]
    assert str(result.problems[0]).startswith("line 0: cannot read the file: ")
