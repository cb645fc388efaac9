"""The console's reorder page: the same suggestions as `connector report --reorder`, its CSV, and
a purchase order for a suggestion taking it off the page (issue 16)."""

from __future__ import annotations

import csv
import io

from connector.reports import shop_reorder
from tests.web.test_console import Console, console, csrf_of, text  # noqa: F401  (fixture)


def test_the_owner_sees_what_to_order_and_a_po_for_it_takes_it_off_the_page(
    console: Console,  # noqa: F811
) -> None:
    olive = console.login("olive")
    suggestions = shop_reorder(
        console.db, console.db.engine, console.settings, "outlet", console.clock()
    )
    assert suggestions, "the demo shop has waiting lines no purchase order brings"
    first = suggestions[0]
    page = text(olive.get("/console/reorder"))
    assert "Reorder suggestions" in page
    row = page.split(f">{first.key}</a>")[1].split("</tr>")[0]
    assert f"<strong>{first.units}</strong>" in row
    assert first.order_by.isoformat() in row and first.why in row

    download = olive.get("/console/reorder.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [(r["sku"], int(r["units"])) for r in rows] == [(s.key, s.units) for s in suggestions]

    form = text(olive.get("/console/purchase-orders"))
    added = olive.post(
        "/console/purchase-orders",
        data={
            "csrf": csrf_of(form),
            "shop": "outlet",
            "sku": first.skus[0],
            "quantity": str(first.units),
        },
    )
    assert added.status_code == 303
    page = text(olive.get("/console/reorder"))
    assert f">{first.key}</a>" not in page


def test_support_cannot_open_the_reorder_page(console: Console) -> None:  # noqa: F811
    sam = console.login("sam")
    assert sam.get("/console/reorder").status_code == 403
    assert sam.get("/console/reorder.csv").status_code == 403
    assert "/console/reorder" not in text(sam.get("/console/"))
