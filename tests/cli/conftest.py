"""The CLI tests' shared store: a SQLite state database seeded with two sofa orders and two POs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli.main import cli, main
from connector.db import open_database
from tests.engine.builders import NOW, SHOP, at, line, order, po, product, variant

CONFIG = """
database_url = "sqlite:///{db}"

[[shops]]
name = "demo"
platform = "shopify"
url = "https://demo.myshopify.com"
access_token = "env:DEMO_TOKEN"
currency = "EUR"

[[policies]]
name = "sofas"
mode = "backorder"
handling_days = 2

[policies.match]
skus = ["SOFA-*"]
"""

AT = ["--now", NOW.isoformat()]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DEMO_TOKEN", "shpat_0123456789abcdef0123456789abcdef")
    path = tmp_path / "connector.toml"
    path.write_text(CONFIG.format(db=tmp_path / "state.db"))
    db = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    db.upsert_shop(SHOP)
    db.upsert_products([product("P1", title="Oak sofa")])
    db.upsert_variants([variant("SOFA-OAK", -3)])
    db.upsert_orders(
        [
            order("ANNA", at("2026-11-01"), line("A1", "SOFA-OAK", 2)),
            order("BEN", at("2026-11-05"), line("B1", "SOFA-OAK", 1)),
        ]
    )
    db.add_purchase_order(po("PO1", "SOFA-OAK", 2, date(2026, 12, 1)))
    db.add_purchase_order(po("PO2", "SOFA-OAK", 5, date(2026, 12, 20)))
    db.close()
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.stdout, result.stderr


def run_main(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Through ``main``, which turns our errors into one line and exit code 2."""
    code = main(["--config", str(config), *args])
    return code, capsys.readouterr().err
