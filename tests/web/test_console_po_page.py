"""The purchase orders page with many open POs: a page at a time in ``connector po list``'s
order (the overdue first), a count, a search by SKU or supplier, and receiving from a later page
comes back to it (issue 16: every console page fast at the benchmark's 20,000 open POs)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.db import open_database
from connector.model import PurchaseOrder
from connector.purchase_orders import open_purchase_orders_page, purchase_order_by_id
from tests.web.test_console import Console, console, csrf_of, text  # noqa: F401


def stock_up(console: Console, count: int) -> list[PurchaseOrder]:
    """``count`` open POs of the shop, due from 3 days ago on (one a day), and one received."""
    today = console.clock().date()
    pos = [
        PurchaseOrder(
            id=f"BULK-{index:03d}",
            shop="outlet",
            sku=f"BULK-SKU-{index:03d}",
            quantity=10,
            expected_date=today + timedelta(days=index - 3),
            supplier="Nordic Textiles" if index % 2 else "Baltic Yarn",
        )
        for index in range(count)
    ]
    for po in pos:
        console.db.add_purchase_order(po)
    console.db.add_purchase_order(
        PurchaseOrder("DONE-1", "outlet", "BULK-SKU-000", 5, today, received=5)
    )
    return pos


def rows(page: str) -> list[str]:
    """The PO ids in the list, top to bottom."""
    return re.findall(r"<tr><td>outlet</td><td>([^<]+)</td>", page)


def test_the_owner_pages_through_open_purchase_orders_overdue_first(console: Console) -> None:
    stock_up(console, 120)
    olive = console.login("olive")
    first = text(olive.get("/console/purchase-orders"))
    assert "1-50 of 120 open purchase orders, by expected date (the overdue first)." in first
    assert rows(first) == [f"BULK-{index:03d}" for index in range(50)]
    assert "DONE-1" not in first  # received in full: not open
    assert "page 1 of 3" in first and "Previous" not in first
    second = text(olive.get(re.findall(r'href="([^"]+)" rel="next"', first)[0]))
    assert "51-100 of 120" in second and rows(second)[0] == "BULK-050"
    third = text(olive.get("/console/purchase-orders?page=3"))
    assert "101-120 of 120" in third and len(rows(third)) == 20 and "Next" not in third
    # A link kept from before POs were received: the last page, not an empty one.
    late = text(olive.get("/console/purchase-orders?page=99"))
    assert "101-120 of 120" in late and "page 3 of 3" in late
    assert "1-50 of 120" in text(olive.get("/console/purchase-orders?page=x"))


def test_the_owner_finds_a_po_by_sku_or_supplier(console: Console) -> None:
    stock_up(console, 120)
    olive = console.login("olive")
    by_sku = text(olive.get("/console/purchase-orders?q=bulk-sku-07"))
    assert rows(by_sku) == [f"BULK-{index:03d}" for index in range(70, 80)]
    assert "10 open purchase orders matching “bulk-sku-07”" in by_sku
    assert "1-10 of" not in by_sku and "page 1 of" not in by_sku  # one page: no paging
    assert "Show all" in by_sku
    by_supplier = text(olive.get("/console/purchase-orders?q=BALTIC"))
    assert "1-50 of 60 open purchase orders matching “BALTIC”" in by_supplier
    assert rows(by_supplier)[:2] == ["BULK-000", "BULK-002"]
    assert "page=2" in by_supplier and "q=BALTIC" in by_supplier  # the next page keeps the search
    # A wildcard typed is a character searched for, not "anything".
    nothing = text(olive.get("/console/purchase-orders?q=%25"))
    assert rows(nothing) == [] and "No open purchase orders matching “%”" in nothing
    assert "No open purchase order's SKU or supplier contains “%”." in nothing


def test_receiving_from_a_later_page_comes_back_to_it(console: Console) -> None:
    stock_up(console, 120)
    olive = console.login("olive")
    page = text(olive.get("/console/purchase-orders?q=nordic&page=2"))
    assert "51-60 of 60" in page
    answer = olive.post(
        "/console/purchase-orders/receive",
        data={
            "csrf": csrf_of(page),
            "shop": "outlet",
            "id": "BULK-101",
            "units": "10",
            "q": "nordic",
            "page": "2",
        },
    )
    assert answer.status_code == 303
    back = text(olive.get(answer.headers["Location"]))
    assert "Purchase order BULK-101: 10/10 received." in back
    assert "51-59 of 59 open purchase orders matching “nordic”" in back
    assert "BULK-101" not in rows(back)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


def test_one_page_is_read_in_the_same_order_on_both_databases(
    db_url: str, clock: FrozenClock
) -> None:
    db = open_database(db_url, clock=clock)
    try:
        for shop in ("a", "b", "c"):
            for index, due in enumerate(("2026-12-01", None, "2026-11-01")):
                db.add_purchase_order(
                    PurchaseOrder(
                        id=f"{shop}{index}",
                        shop=shop,
                        sku=f"S_{index}",
                        quantity=3,
                        expected_date=None if due is None else date.fromisoformat(due),
                        supplier="Acme 100%",
                    )
                )
        page = open_purchase_orders_page(db.engine, ["a", "b"], size=2, number=2)
        assert (page.total, page.pages, page.first, page.last) == (6, 3, 3, 4)
        assert [po.id for po in page.pos] == ["a0", "b0"]
        last = open_purchase_orders_page(db.engine, ["a", "b"], size=2, number=3)
        assert [po.id for po in last.pos] == ["a1", "b1"]  # undated last
        found = open_purchase_orders_page(db.engine, ["a", "b", "c"], search="s_2")
        assert [po.id for po in found.pos] == ["a2", "b2", "c2"]
        assert open_purchase_orders_page(db.engine, ["a"], search="100%").total == 3
        assert open_purchase_orders_page(db.engine, ["a"], search="s%").total == 0
        po = purchase_order_by_id(db.engine, ["b", "c"], "c1")
        assert po is not None and (po.shop, po.expected_date) == ("c", None)
        assert purchase_order_by_id(db.engine, ["b"], "c1") is None
    finally:
        db.close()
