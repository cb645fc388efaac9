"""Purchase orders from a CSV sheet in the console: upload, preview with each bad row's line and
reason, confirm; the good rows kept, audited, the same words as `connector po import` (issue 16)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from connector.supply_import import parse_purchase_orders
from tests.web.test_console import (  # noqa: F401  (fixture)
    Console,
    console,
    csrf_of,
    text,
    waiting_order,
)


def _upload(client, page: str, sheet: bytes, shop: str = "outlet"):  # type: ignore[no-untyped-def]
    return client.post(
        "/console/purchase-orders/import",
        data={"csrf": csrf_of(page), "shop": shop, "file": (io.BytesIO(sheet), "pos.csv")},
        content_type="multipart/form-data",
    )


def _hidden(page: str, name: str) -> str:
    import html

    return html.unescape(re.findall(rf'name="{name}" value="([^"]*)"', page, re.S)[0])


def test_the_owner_previews_a_sheet_then_imports_its_good_rows(
    console: Console,  # noqa: F811
) -> None:
    olive = console.login("olive")
    order_id, _, _ = waiting_order(console)
    sku = next(e.sku for e in console.db.queue("outlet") if e.order_id == order_id)
    today = console.clock().date()
    due, past = today + timedelta(days=9), today - timedelta(days=2)
    sheet = (
        "sku,quantity,expected_date,supplier,reference\n"
        f"{sku},12,{due},Nordic,SUP-1\n"
        f"{sku},lots,{due},Nordic,SUP-2\n"
        f"NO-SUCH-SKU,3,{due},Nordic,SUP-3\n"
        f"{sku},4,{past},Nordic,SUP-4\n"
    ).encode()
    form = text(olive.get("/console/purchase-orders/import"))
    preview = _upload(olive, form, sheet)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    words = re.sub(r"<[^>]+>", "", text(preview))  # the words as the owner reads them
    assert "Nothing is saved yet" in words
    assert "2 new, 0 changed, 0 unchanged, 2 rows skipped." in words
    assert "quantity 'lots' is not a whole number" in words
    assert f"expected_date {past.isoformat()} is in the past" in words
    assert "line 4: warning: NO-SUCH-SKU is not a SKU of outlet's catalog" in words
    skipped = re.findall(r"<tr><td>(\d+)</td><td class=\"error\">", page)
    assert skipped == ["3", "5"]
    assert console.db.purchase_orders("outlet", sku=sku) == []  # a preview writes nothing

    confirm = olive.post(
        "/console/purchase-orders/import/confirm",
        data={"csrf": csrf_of(page), "shop": "outlet", "sheet": _hidden(page, "sheet")},
    )
    assert confirm.status_code == 200
    assert "Imported into outlet." in text(confirm)
    [po] = console.db.purchase_orders("outlet", sku=sku)
    assert (po.id, po.quantity, po.expected_date, po.supplier) == (
        f"SUP-1:{sku}",
        12,
        due,
        "Nordic",
    )
    assert [p.id for p in console.db.purchase_orders("outlet", sku="NO-SUCH-SKU")] == [
        "SUP-3:NO-SUCH-SKU"
    ]
    audit = text(olive.get("/console/audit"))
    assert "po import" in audit and "2 new, 0 changed, 0 unchanged, 2 rows skipped" in audit

    # Sent again (a reload): importing is idempotent and says so.
    again = olive.post(
        "/console/purchase-orders/import/confirm",
        data={"csrf": csrf_of(page), "shop": "outlet", "sheet": _hidden(page, "sheet")},
    )
    assert "0 new, 0 changed, 2 unchanged" in text(again)
    assert len(console.db.purchase_orders("outlet", sku=sku)) == 1


def test_a_sheet_no_row_of_which_can_be_read_offers_no_import(
    console: Console,  # noqa: F811
) -> None:
    olive = console.login("olive")
    form = text(olive.get("/console/purchase-orders/import"))
    answer = _upload(olive, form, b"sku,qty\nA,1\n")
    assert "missing column(s): quantity" in text(answer)
    assert "No row of this sheet can be read" in text(answer)
    assert "/import/confirm" not in text(answer)
    latin1 = _upload(olive, form, "sku,quantity,reason\nA,1,Fabriken stängd\n".encode("latin-1"))
    assert latin1.status_code == 422 and "not UTF-8 text" in text(latin1)
    empty = _upload(olive, form, b"")
    assert empty.status_code == 422 and "Choose a CSV file" in text(empty)
    assert parse_purchase_orders("sku,qty\n", "outlet", console.clock()).problems  # same check


def test_support_and_forged_forms_import_nothing(console: Console) -> None:  # noqa: F811
    sam = console.login("sam")
    assert sam.get("/console/purchase-orders/import").status_code == 403
    page = text(sam.get("/console/"))
    assert _upload(sam, page, b"sku,quantity\nA,1\n").status_code == 403
    olive = console.login("olive")
    forged = olive.post(
        "/console/purchase-orders/import/confirm",
        data={"shop": "outlet", "sheet": "sku,quantity\nA,1\n"},
    )
    assert forged.status_code == 403
    assert console.db.purchase_orders("outlet", sku="A") == []
