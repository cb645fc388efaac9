"""Whole WooCommerce orders on hold by status (issue 18), through the real CLI.

With ``on_hold_fully_waiting = true`` an order whose every line waits goes ``on-hold`` (so no
warehouse tool ships it), and back to ``processing`` once its stock arrives; an order a person put
on hold is left alone; a mixed order stays ``processing`` with its line hold; a failed status
write is retried at the next cycle. The sandbox moves stock and mails on these statuses as real
WooCommerce does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.cli.main import main as connector_main
from connector.clock import NOW_ENV
from connector.sandbox.seed import demo_spec
from tests.e2e.test_cli_live import outlet_sandbox


def _opt_in(text: str) -> str:
    return text.replace(
        "notify_existing = true", "notify_existing = true\non_hold_fully_waiting = true"
    )


def _run(config: Path, store: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
    return connector_main(["--config", str(config), "run", "--once"])


def _order(store: Any, order_id: str) -> dict[str, Any]:
    [row] = [o for o in store.state()["orders"] if str(o["id"]) == order_id]
    return dict(row)


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    return {m["key"]: m["value"] for m in row.get("meta_data") or ()}


def _notes(store: Any, order_id: str) -> list[str]:
    return [n["note"] for n in store.state()["notes"].get(order_id, [])]


def _stock(store: Any, sku: str) -> int:
    rows = [*store.state()["products"], *store.state()["variations"]]
    return int(next(r["stock_quantity"] for r in rows if r.get("sku") == sku))


def _in_stock_sku(store: Any) -> str:
    rows = [*store.state()["products"], *store.state()["variations"]]
    return next(
        str(r["sku"])
        for r in rows
        if r.get("sku") and r.get("manage_stock") is True and (r.get("stock_quantity") or 0) > 5
    )


def _plan(config: Path, store: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> str:
    monkeypatch.setenv(NOW_ENV, store.clock().isoformat())
    capsys.readouterr()
    assert connector_main(["--config", str(config), "plan", "--sync"]) == 0
    return str(capsys.readouterr().out)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_fully_waiting_order_goes_on_hold_and_back_when_its_stock_arrives(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    database: str,
) -> None:
    from connector.demo import backordered_skus

    edit = _opt_in
    if database == "postgresql":
        url = request.getfixturevalue("pg_schema_url")

        def edit(text: str) -> str:
            lines = [
                f'database_url = "{url}"' if line.startswith("database_url") else line
                for line in _opt_in(text).splitlines()
            ]
            return "\n".join(lines) + "\n"

    with outlet_sandbox(tmp_path, monkeypatch, edit=edit) as (config, store):
        sku = backordered_skus(demo_spec())[0]
        plain = _in_stock_sku(store)
        full = store.place_order("ada@example.com", [(sku, 2)], checkout=False)
        mixed = store.place_order("bo@example.com", [(sku, 1), (plain, 1)], checkout=False)
        person = store.place_order("cy@example.com", [(sku, 1)], checkout=False)
        store.set_order_status(person, "on-hold")  # the owner holds it for a reason of theirs
        stock_before = _stock(store, sku)

        # The plan says it first, and writes nothing.
        text = _plan(config, store, monkeypatch, capsys)
        assert f"order {full}: on hold (every line waits for stock)" in text
        assert f"order {mixed}: on hold" not in text
        assert _order(store, full)["status"] == "processing"

        assert _run(config, store, monkeypatch) == 0

        held = _order(store, full)
        assert held["status"] == "on-hold"
        assert any("Put on hold by the backorder connector" in n for n in _notes(store, full))
        # processing -> on-hold reduces nothing again and mails the customer nothing.
        assert _stock(store, sku) == stock_before
        mails = store.state()["customer_emails"]
        assert {"order_id": int(full), "email": "customer_on_hold_order"} not in mails

        row = _order(store, mixed)
        assert row["status"] == "processing"
        assert "The rest of the order can ship." in _meta(row)["Backorder hold"]

        assert _order(store, person)["status"] == "on-hold"
        assert not _meta(_order(store, person)).get("_bc_status_hold")

        # A second cycle with nothing new changes nothing.
        notes_before = _notes(store, full)
        assert _run(config, store, monkeypatch) == 0
        assert _notes(store, full) == notes_before

        # The container arrives: every waiting order can ship.
        store.receive_stock(sku, 500)
        text = _plan(config, store, monkeypatch, capsys)
        assert f"order {full}: back to processing (it can ship)" in text
        assert f"order {person}: back to processing" not in text  # never ours
        assert _run(config, store, monkeypatch) == 0

        back = _order(store, full)
        assert back["status"] == "processing"
        assert not _meta(back).get("_bc_status_hold")
        assert any(n.startswith("Back to Processing") for n in _notes(store, full))
        # on-hold -> processing: WooCommerce sends its "processing" mail once more.
        mails = store.state()["customer_emails"]
        assert mails.count({"order_id": int(full), "email": "customer_processing_order"}) == 2
        assert _stock(store, sku) == stock_before + 500
        # The owner's own hold stays: the connector never put it there.
        assert _order(store, person)["status"] == "on-hold"


def test_an_order_a_person_moved_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connector.demo import backordered_skus

    with outlet_sandbox(tmp_path, monkeypatch, edit=_opt_in) as (config, store):
        sku = backordered_skus(demo_spec())[0]
        order = store.place_order("ada@example.com", [(sku, 2)], checkout=False)
        assert _run(config, store, monkeypatch) == 0
        assert _order(store, order)["status"] == "on-hold"

        store.set_order_status(order, "processing")  # a person ships it some other way
        assert _run(config, store, monkeypatch) == 0
        assert _order(store, order)["status"] == "processing"  # not put on hold again
        store.receive_stock(sku, 500)
        store.set_order_status(order, "completed")
        assert _run(config, store, monkeypatch) == 0
        assert _order(store, order)["status"] == "completed"


def test_off_by_default_orders_stay_processing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connector.demo import backordered_skus

    with outlet_sandbox(tmp_path, monkeypatch) as (config, store):
        sku = backordered_skus(demo_spec())[0]
        order = store.place_order("ada@example.com", [(sku, 2)], checkout=False)
        assert _run(config, store, monkeypatch) == 0
        row = _order(store, order)
        assert row["status"] == "processing"
        assert "Held back" in _meta(row)["Backorder hold"]


def test_a_failed_status_write_is_reported_then_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from connector.demo import backordered_skus

    def no_retries(text: str) -> str:
        return text.replace(
            "requests_per_second = 100", "requests_per_second = 100\nmax_retries = 0"
        )

    with outlet_sandbox(tmp_path, monkeypatch, edit=no_retries) as (config, store):
        sku = backordered_skus(demo_spec())[0]
        order = store.place_order("ada@example.com", [(sku, 2)], checkout=False)
        assert _run(config, store, monkeypatch) == 0  # the line hold, as before
        config.write_text(_opt_in(config.read_text()))

        store.faults.inject("500", 1, path_contains="orders/batch")
        assert _run(config, store, monkeypatch) == 0
        assert _order(store, order)["status"] == "processing"
        # Said where the owner looks: the run's log names the order and why.
        err = capsys.readouterr().err
        assert f"write outlet:status_hold:{order} failed: POST /orders/batch" in err

        assert _run(config, store, monkeypatch) == 0  # the next cycle tries again
        assert _order(store, order)["status"] == "on-hold"
