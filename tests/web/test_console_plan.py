"""The console's plan page: what `connector plan` would print, before the next cycle writes it;
reading it writes nothing (issue 16)."""

from __future__ import annotations

from datetime import timedelta

from connector.model import PurchaseOrder
from connector.plan_text import plan_lines, plan_summary
from connector.planning import plan_with_state
from tests.web.test_console import Console, console, text, waiting_order  # noqa: F401


def test_the_plan_page_shows_what_the_next_cycle_would_write_and_writes_nothing(
    console: Console,  # noqa: F811
) -> None:
    sam = console.login("sam")  # support may read the plan
    page = text(sam.get("/console/plan"))
    assert "Nothing to change: the shop already shows what the engine wants." in page

    # Supply arrives in the state database: the next cycle would move labels and promises.
    order_id, _, _ = waiting_order(console)
    entry = next(e for e in console.db.queue("outlet") if e.order_id == order_id)
    due = console.clock().date() + timedelta(days=3)
    console.db.add_purchase_order(
        PurchaseOrder("SUP-1", "outlet", entry.sku, 40, due, created_at=console.clock())
    )
    queue_before = console.db.queue("outlet")
    page = text(sam.get("/console/plan"))
    state, plan = plan_with_state(console.db, console.settings, "outlet", console.clock())
    numbers = {o.platform_id: o.number for o in state.orders}
    lines = plan_lines(plan, numbers)
    assert lines, "new supply changes what the shop shows"
    for line in lines:
        assert f"<td>{line.target}</td><td>{line.what}</td>" in page
    assert plan_summary(plan) in page
    assert "Storefront (" in page
    assert console.db.queue("outlet") == queue_before  # nothing was stored or sent
    assert sam.get("/console/plan").status_code == 200
