"""`connector report --reorder [--csv]`: what to order, from whom, by when, from the stored state."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from connector.config import load_settings
from connector.db import open_database
from connector.planning import plan_for_shop
from tests.cli.conftest import AT, run, run_main
from tests.engine.builders import NOW

SUPPLIERS = """
[reorder]
cover_days = 30

[[suppliers]]
name = "Nordic Sofas"
lead_time_days = 21
skus = ["SOFA-*"]
"""


def _cycle(config: Path) -> None:
    """Store the queue as a cycle would: the report reads what the last cycle stored."""
    settings = load_settings(config)
    db = open_database(settings.database_url)
    try:
        db.replace_queue("demo", plan_for_shop(db, settings, "demo", NOW).queue)
    finally:
        db.close()


def test_report_reorder_sizes_the_order_from_sales_beyond_what_open_pos_bring(
    config: Path,
) -> None:
    config.write_text(config.read_text() + SUPPLIERS)
    _cycle(config)
    code, out, err = run(config, *AT, "report", "--reorder")
    assert code == 0, err
    # 3 sold in 30 days (0.1 a day) over 21 + 30 days is 6, plus 3 waiting: 9; POs bring 7.
    assert "Reorder in demo:" in out
    # The 4 units the POs bring beyond the waiting 3 last 40 days: order 21 days before that.
    assert (
        "SOFA-OAK      2 units  from Nordic Sofas  order by 2026-12-09  (arrives 2026-12-30)"
    ) in out
    assert "waiting 3, on hand 0, open POs 7: 4 spare units last 40 days at 0.1/day" in out

    code, out, _ = run(config, *AT, "report", "--reorder", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["sku"], r["supplier"], r["units"], r["order_by"]) for r in rows] == [
        ("SOFA-OAK", "Nordic Sofas", "2", "2026-12-09")
    ]
    code, out, _ = run(config, *AT, "report", "--reorder", "--json")
    [shop] = json.loads(out)
    assert shop["shop"] == "demo"
    assert [(s["skus"], s["units"]) for s in shop["suggestions"]] == [(["SOFA-OAK"], 2)]


def test_a_purchase_order_for_the_suggestion_leaves_nothing_to_order(config: Path) -> None:
    config.write_text(config.read_text() + SUPPLIERS)
    _cycle(config)
    code, _, err = run(config, *AT, "po", "add", "--sku", "SOFA-OAK", "--quantity", "2")
    assert code == 0, err
    code, out, _ = run(config, *AT, "report", "--reorder")
    assert out == "Reorder in demo: nothing to order (open purchase orders cover it).\n"
    code, out, _ = run(config, *AT, "report", "--reorder", "--csv")
    assert out.splitlines() == [
        "shop,sku,supplier,units,order_by,arrives_by,lead_time_days,waiting,on_hand,"
        "open_po_units,daily_sales,why"
    ]


def test_a_bad_supplier_config_names_its_key(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = '\n[[suppliers]]\nname = "X"\nlead_time_days = 99999\nskus = ["A B"]\n'
    config.write_text(config.read_text() + bad)
    code, err = run_main(config, capsys, *AT, "report", "--reorder")
    assert code == 2
    assert "suppliers[X].lead_time_days" in err
    assert "suppliers[X].skus[0]" in err
