"""Purchase orders close or shrink when the shop's own stock rises for their SKU, through the real
CLI against the Shopify sandbox: `po list` says why, the waiting lines' ETAs follow, and `po keep`
is the owner's override."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.cli.main import main
from connector.clock import NOW_ENV, FrozenClock
from connector.sandbox.seed import demo_spec

CONFIG = """
database_url = "sqlite:///{db}"

[email]
transport = "folder"
folder = "{outbox}"
owner_email = "owner@example.com"

[[shops]]
name = "outlet"
platform = "shopify"
url = "{url}"
access_token = "env:SHOP_KEY"
client_secret = "env:SHOP_HOOK"
requests_per_second = 100

[[policies]]
name = "backorders"
mode = "backorder"

[policies.match]
skus = ["*"]

[default_policy]
name = "default"
mode = "stop"
"""


SKU = "MUG-000006-1"  # four lines wait in the demo shop: #1003 3, #1004 2, #1009 3, #1016 2


@pytest.fixture
def shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Callable[[int], None]]]:
    from connector.sandbox.shopify import ShopifySandbox

    clock = FrozenClock(demo_spec().start)
    with ShopifySandbox(demo_spec(), clock=clock) as store:
        creds = store.credentials()
        monkeypatch.setenv("SHOP_KEY", creds["access_token"])
        monkeypatch.setenv("SHOP_HOOK", "hook-secret")
        monkeypatch.setenv(NOW_ENV, clock().isoformat())
        config = tmp_path / "connector.toml"
        config.write_text(
            CONFIG.format(db=tmp_path / "state.db", outbox=tmp_path / "outbox", url=store.base_url)
        )

        def arrive(quantity: int) -> None:
            """Units counted into the shop an hour later (the next cycle reads them then)."""
            monkeypatch.setenv(NOW_ENV, store.advance_clock(timedelta(hours=1)).isoformat())
            store.receive_stock(SKU, quantity)
            monkeypatch.setenv(NOW_ENV, store.advance_clock(timedelta(minutes=1)).isoformat())

        yield config, arrive


def _cli(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["--config", str(config), *args]) == 0
    return capsys.readouterr().out


def _etas(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str | None]:
    """Order number -> the ETA `connector backorders` gives its waiting line of SKU."""
    rows = json.loads(_cli(config, capsys, "backorders", "--sku", SKU, "--json"))
    return {row["order_number"]: row["eta"] for row in rows if row["allocated"] < row["waiting"]}


def _po_line(config: Path, capsys: pytest.CaptureFixture[str], po_id: str) -> str:
    [line] = [
        line
        for line in _cli(config, capsys, "po", "list", "--all").splitlines()
        if line.startswith(po_id + " ")
    ]
    return line


def test_stock_that_arrives_closes_its_purchase_order_and_the_etas_follow(
    shop: tuple[Path, Callable[[int], None]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, arrive = shop
    start = demo_spec().start.date()
    soon, later = start + timedelta(days=7), start + timedelta(days=30)
    _cli(
        config,
        capsys,
        "po",
        "add",
        "--sku",
        SKU,
        "--quantity",
        "6",
        "--expected",
        soon.isoformat(),
        "--id",
        "PO-SOON",
    )
    _cli(
        config,
        capsys,
        "po",
        "add",
        "--sku",
        SKU,
        "--quantity",
        "10",
        "--expected",
        later.isoformat(),
        "--id",
        "PO-LATER",
    )
    _cli(config, capsys, "run", "--once")
    before = _etas(config, capsys)
    # 6 due soon serve #1003 and #1004; #1009 and #1016 wait for the later PO.
    assert before["#1004"] is not None and before["#1004"] < later.isoformat()
    assert before["#1016"] is not None and before["#1016"] >= later.isoformat()

    # The 6 units arrive and the owner counts them into the shop, without `po receive`.
    arrive(6)
    _cli(config, capsys, "run", "--once")
    line = _po_line(config, capsys, "PO-SOON")
    assert "6/6 received" in line
    assert "6 received from shop stock (on hand" in line
    assert "PO-SOON" not in _cli(config, capsys, "po", "list")  # closed: only with --all
    after = _etas(config, capsys)
    # Counted once, as stock: #1009 and #1016 still wait for the later PO, not the arrived one.
    assert "#1003" not in after and "#1004" not in after
    assert after["#1016"] == before["#1016"]
    assert after["#1009"] is not None and after["#1009"] >= later.isoformat()

    # The owner says that stock was something else: the PO is open again, the dates move up.
    out = _cli(config, capsys, "po", "keep", "PO-SOON")
    assert "kept open, 0/6 received" in out
    assert "kept open by the owner" in _po_line(config, capsys, "PO-SOON")
    _cli(config, capsys, "run", "--once")
    kept = _etas(config, capsys)
    assert kept["#1016"] is not None and kept["#1016"] < later.isoformat()

    # Kept: more stock does not touch it.
    arrive(2)
    _cli(config, capsys, "run", "--once")
    assert "0/6 received" in _po_line(config, capsys, "PO-SOON")


def test_a_partial_arrival_reduces_the_purchase_order_and_first_sight_books_nothing(
    shop: tuple[Path, Callable[[int], None]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, arrive = shop
    due = (demo_spec().start.date() + timedelta(days=5)).isoformat()
    far = (demo_spec().start.date() + timedelta(days=60)).isoformat()
    arrive(1)  # before any PO: nobody watched this SKU's count yet
    _cli(
        config,
        capsys,
        "po",
        "add",
        "--sku",
        SKU,
        "--quantity",
        "8",
        "--expected",
        due,
        "--id",
        "PO-A",
    )
    _cli(
        config,
        capsys,
        "po",
        "add",
        "--sku",
        SKU,
        "--quantity",
        "8",
        "--expected",
        far,
        "--id",
        "PO-FAR",
    )
    _cli(config, capsys, "run", "--once")
    assert "0/8 received" in _po_line(config, capsys, "PO-A")

    arrive(3)
    _cli(config, capsys, "run", "--once")
    line = _po_line(config, capsys, "PO-A")
    assert "3/8 received" in line and "3 received from shop stock" in line
    assert "PO-A" in _cli(config, capsys, "po", "list")  # still open for the other 5
    # A PO due two months out is not what arrived today, whatever is left of a rise.
    arrive(9)
    _cli(config, capsys, "run", "--once")
    assert "8/8 received" in _po_line(config, capsys, "PO-A")
    assert "0/8 received" in _po_line(config, capsys, "PO-FAR")
    rows = json.loads(_cli(config, capsys, "po", "list", "--all", "--json"))
    stock = {row["id"]: row["stock"] for row in rows}
    assert stock["PO-A"]["from_stock"] == 8 and stock["PO-FAR"] is None


def _add_po(config: Path, capsys: pytest.CaptureFixture[str], po_id: str, days: int) -> None:
    due = (demo_spec().start.date() + timedelta(days=days)).isoformat()
    _cli(config, capsys, "po", "add", "--sku", SKU, "--quantity", "6", "--expected", due,
         "--id", po_id)  # fmt: skip


def test_plan_previews_the_receipts_the_next_cycle_books_and_writes_none(
    shop: tuple[Path, Callable[[int], None]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, arrive = shop
    _add_po(config, capsys, "PO-SOON", 7)
    _cli(config, capsys, "run", "--once")  # the count is seen once: nothing to compare before
    assert "received from shop stock" not in _cli(config, capsys, "plan")

    arrive(6)
    text = _cli(config, capsys, "plan", "--sync")
    assert (
        f"purchase order PO-SOON: 6 x {SKU} received from shop stock at the next cycle "
        "(closes it; `connector po keep PO-SOON` to keep it open)"
    ) in text
    [shown] = json.loads(_cli(config, capsys, "plan", "--json"))
    assert shown["stock_receipts"] == [
        {"po_id": "PO-SOON", "sku": SKU, "quantity": 6, "closed": True}
    ]
    assert "0/6 received" in _po_line(config, capsys, "PO-SOON")  # a preview writes nothing

    _cli(config, capsys, "run", "--once")
    assert "6/6 received" in _po_line(config, capsys, "PO-SOON")  # what the plan said
    assert "received from shop stock" not in _cli(config, capsys, "plan")


def test_the_receive_window_is_the_shops_po_receive_window_days(
    shop: tuple[Path, Callable[[int], None]], capsys: pytest.CaptureFixture[str]
) -> None:
    config, arrive = shop
    text = config.read_text()
    config.write_text(
        text.replace(
            "requests_per_second = 100", "requests_per_second = 100\npo_receive_window_days = 3"
        )
    )
    _add_po(config, capsys, "PO-WEEK", 7)  # due in 7 days: outside a 3-day window
    _cli(config, capsys, "run", "--once")
    arrive(6)
    assert "received from shop stock" not in _cli(config, capsys, "plan", "--sync")
    _cli(config, capsys, "run", "--once")
    assert "0/6 received" in _po_line(config, capsys, "PO-WEEK")

    # A window past reason is refused, naming the key.
    config.write_text(
        text.replace(
            "requests_per_second = 100", "requests_per_second = 100\npo_receive_window_days = 400"
        )
    )
    capsys.readouterr()
    assert main(["--config", str(config), "plan"]) == 2
    err = capsys.readouterr().err
    assert "shops[outlet].po_receive_window_days: at most 365 days (got 400)" in err
