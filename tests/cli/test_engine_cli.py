"""The engine's commands from a store owner's terminal, against a seeded SQLite state database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from connector.db import open_database
from connector.planning import plan_for_shop
from tests.cli.conftest import AT, CONFIG, run, run_main
from tests.engine.builders import NOW, SHOP, at, line, order, product, variant


def test_plan_shows_what_would_change_without_touching_anything(config: Path) -> None:
    code, out, _ = run(config, *AT, "plan")
    assert code == 0, out
    assert "label: 'Ships by December 22, 2026'" in out
    assert "tags +backorder +ships-2026-12" in out
    assert "order #ANNA: hold_lines A1 x2 [INVENTORY_OUT_OF_STOCK]" in out
    assert "email backorder_confirmation to ben@example.com (order #BEN): 2026-12-22" in out
    # Nothing was stored: the same plan again.
    assert run(config, *AT, "plan")[1] == out


def test_plan_of_a_shop_never_synced_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty database plans nothing; the store owner must not read that as "all is well"."""
    monkeypatch.setenv("DEMO_TOKEN", "shpat_0123456789abcdef0123456789abcdef")
    path = tmp_path / "connector.toml"
    path.write_text(CONFIG.format(db=tmp_path / "empty.db"))
    code, _, err = run(path, *AT, "plan")
    assert code == 0
    assert "demo has not been synced yet" in err and "connector resync --shop demo --all" in err


def test_plan_json_is_the_plan(config: Path) -> None:
    code, out, _ = run(config, *AT, "plan", "--shop", "demo", "--json")
    assert code == 0, out
    plan = json.loads(out)
    assert {n["kind"] for n in plan["notifications"]} == {"backorder_confirmation"}
    assert [e["eta"] for e in plan["queue"]] == ["2026-12-03", "2026-12-22"]


def test_backorders_explain_each_place_in_the_queue(config: Path) -> None:
    code, out, _ = run(config, *AT, "backorders", "--sku", "SOFA-OAK")
    assert code == 0, out
    assert "SOFA-OAK  #1  order #ANNA  anna@example.com  2 waiting  ETA 2026-12-03" in out
    assert "why: ordered 2026-11-05 10:00; 2 units wait ahead; covered by PO2 due 2026-12-20" in out
    code, out, _ = run(config, *AT, "backorders", "--order", "BEN", "--json")
    [row] = json.loads(out)
    assert (row["order_number"], row["position"], row["eta"]) == ("#BEN", 2, "2026-12-22")


def test_purchase_orders_added_received_and_imported_move_the_promises(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        config,
        *AT,
        "po",
        "add",
        "--sku",
        "SOFA-OAK",
        "--quantity",
        "1",
        "--expected",
        "2026-11-25",
        "--reference",
        "ACME-7",
    )
    assert code == 0, out
    assert "ACME-7:SOFA-OAK: 1 x SOFA-OAK, expected 2026-11-25" in out
    code, out, _ = run(config, "po", "list", "--json")
    assert [p["id"] for p in json.loads(out)] == ["ACME-7:SOFA-OAK", "PO1", "PO2"]
    # One sofa more arrives on Nov 25: Anna's second sofa no longer waits for PO1 alone.
    _, out, _ = run(config, *AT, "backorders", "--order", "ANNA", "--json")
    assert json.loads(out)[0]["eta"] == "2026-12-03"
    _, out, _ = run(config, *AT, "backorders", "--order", "BEN", "--json")
    assert json.loads(out)[0]["eta"] == "2026-12-03"

    code, out, _ = run(config, "po", "receive", "PO1", "2")
    assert (code, out.strip()) == (0, "Purchase order PO1: 2/2 received.")
    code, err = run_main(config, capsys, "po", "receive", "NOPE", "2")
    assert code == 2 and "no purchase order 'NOPE'" in err

    sheet = tmp_path / "pos.csv"
    sheet.write_text(
        "sku,quantity,expected_date,supplier,reference\n"
        "SOFA-OAK,4,2026-12-05,Nordhus,NH-1\n"
        "SOFA-OAK,many,2026-12-05,Nordhus,NH-2\n"
        "SOFA-OAK,2,05/12/2026,Nordhus,NH-3\n"
    )
    code, out, err = run(config, *AT, "po", "import", str(sheet))
    assert code == 1
    assert f"Imported {sheet}: 1 new, 0 changed, 0 unchanged." in out
    assert "line 3: quantity 'many' is not a whole number" in err
    assert "line 4: expected_date '05/12/2026' is not a YYYY-MM-DD date" in err
    _, out, _ = run(config, "po", "list", "--sku", "SOFA-OAK")
    assert "NH-1:SOFA-OAK  SOFA-OAK  0/4 received  expected 2026-12-05  Nordhus" in out


def test_report_reads_the_history(config: Path, tmp_path: Path) -> None:
    from connector.config import load_settings

    settings = load_settings(config)
    db = open_database(settings.database_url)
    plan = plan_for_shop(db, settings, "demo", NOW)
    db.replace_queue("demo", plan.queue)
    db.append_events(plan.events)
    db.close()

    code, out, _ = run(config, *AT, "report", "--json")
    assert code == 0, out
    report = json.loads(out)[0]
    assert report["lines_backordered"] == 2 and report["units_backordered"] == 3
    assert report["open_value"] == {"EUR": "300.00"}
    assert report["top_skus"][0]["sku"] == "SOFA-OAK"
    code, out, _ = run(config, *AT, "report", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert ["demo", "waiting_units", "3"] in rows
    code, out, _ = run(config, *AT, "report")
    assert "waiting now: 2 lines, 3 units; owed €300.00" in out


def test_an_unknown_shop_is_one_clear_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_main(config, capsys, "plan", "--shop", "nope")
    assert code == 2
    assert "no shop named 'nope'" in err


def test_backorders_of_several_shops_say_whose_line_it_is(config: Path) -> None:
    """The same SKU and order number in two shops are two different customers' lines."""
    import dataclasses

    from connector.model import Platform

    config.write_text(
        config.read_text()
        + '\n[[shops]]\nname = "outlet"\nplatform = "woocommerce"\nurl = "https://outlet.example"\n'
        'consumer_key = "env:DEMO_TOKEN"\nconsumer_secret = "env:DEMO_TOKEN"\n'
    )
    db_url = config.read_text().split('"', 2)[1]
    db = open_database(db_url)
    other = dataclasses.replace(SHOP, name="outlet", platform=Platform.WOOCOMMERCE)
    db.upsert_shop(other)
    db.upsert_products([dataclasses.replace(product("P1", title="Oak sofa"), shop="outlet")])
    db.upsert_variants([dataclasses.replace(variant("SOFA-OAK", -1), shop="outlet")])
    cara = order("ANNA", at("2026-11-02"), line("C1", "SOFA-OAK", 1))
    db.upsert_orders([dataclasses.replace(cara, shop="outlet")])
    db.close()
    code, out, _ = run(config, *AT, "backorders", "--sku", "SOFA-OAK")
    assert code == 0, out
    assert "[demo] SOFA-OAK  #1  order #ANNA" in out
    assert "[outlet] SOFA-OAK  #1  order #ANNA" in out


def test_importing_the_same_sheet_again_keeps_what_was_already_received(
    config: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "pos.csv"
    sheet.write_text("sku,quantity,expected_date,reference\nSOFA-OAK,4,2026-12-05,NH-1\n")
    assert run(config, *AT, "po", "import", str(sheet))[0] == 0
    code, out, _ = run(config, "po", "receive", "NH-1:SOFA-OAK", "3")
    assert (code, out.strip()) == (0, "Purchase order NH-1:SOFA-OAK: 3/4 received.")

    # The owner moves the date in the sheet and imports it again: the 3 sofas stay received.
    sheet.write_text("sku,quantity,expected_date,reference\nSOFA-OAK,4,2026-12-09,NH-1\n")
    assert run(config, *AT, "po", "import", str(sheet))[0] == 0
    # And so does re-adding it by hand with the same reference.
    run(config, "po", "add", "--sku", "SOFA-OAK", "--quantity", "4", "--reference", "NH-1")
    _, out, _ = run(config, "po", "list", "--sku", "SOFA-OAK", "--all")
    assert "NH-1:SOFA-OAK  SOFA-OAK  3/4 received  expected no date" in out

    # A sheet that states a received count is taken at its word.
    sheet.write_text("sku,quantity,reference,received\nSOFA-OAK,4,NH-1,1\n")
    assert run(config, *AT, "po", "import", str(sheet))[0] == 0
    _, out, _ = run(config, "po", "list", "--sku", "SOFA-OAK", "--all")
    assert "NH-1:SOFA-OAK  SOFA-OAK  1/4 received" in out


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_an_unreadable_sheet_is_one_clear_line_and_exit_2(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # /proc/self/mem exists and is a file, but reading it from the start fails (EIO), even as root.
    code, err = run_main(config, capsys, "po", "import", "/proc/self/mem")
    assert code == 2
    assert err.strip().splitlines() == [
        "error: cannot import /proc/self/mem: cannot read the file: Input/output error"
    ]


def test_each_command_closes_the_state_database(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connector import db as db_module

    opened: list[object] = []
    closed: list[object] = []
    real_open = db_module.open_database

    def tracking_open(url: str, **options: Any) -> object:
        db = real_open(url, **options)
        opened.append(db)
        real_close = db.close

        def close() -> None:
            closed.append(db)
            real_close()

        db.close = close  # type: ignore[method-assign]
        return db

    monkeypatch.setattr(db_module, "open_database", tracking_open)
    for args in ([*AT, "plan"], [*AT, "backorders"], ["po", "list"], [*AT, "report"]):
        assert run(config, *args)[0] == 0, args
    assert len(opened) == 4 and closed == opened
