"""The console's plan page: what `connector plan` would print, before the next cycle writes it;
reading it writes nothing (issue 16)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from connector.model import PurchaseOrder
from connector.model_plan import ChangeKind, Plan, StorefrontChange
from connector.plan_text import plan_lines, plan_summary
from connector.planning import plan_with_state
from connector.shop_views import PlanView
from connector.web.console.plan_page import PAGE_LINES
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


def test_a_first_plans_many_lines_are_shown_a_page_at_a_time_in_the_plans_words(
    console: Console,  # noqa: F811
) -> None:
    """After a big shop's first cycle the plan is the whole shop's: each section a page of
    PAGE_LINES with its total, the other sections and the "as of" line as they were."""
    assert console.daemon.views is not None
    changes = tuple(
        StorefrontChange(
            "outlet",
            ChangeKind.ETA,
            f"p{index}",
            f"v{index}",
            sku=f"SKU-{index:04d}",
            eta_label=f"Ships in {index} days",
        )
        for index in range(2 * PAGE_LINES + 50)
    )
    plan = Plan(shop="outlet", storefront=changes)
    console.daemon.views.publish("outlet", plan=PlanView(console.clock(), plan))
    sam = console.login("sam")
    words = [f"<td>{line.target}</td><td>{line.what}</td>" for line in plan_lines(plan, {})]

    first = text(sam.get("/console/plan"))
    assert "As of the daemon's cycle of" in first
    assert f"Storefront ({len(changes)})" in first and f"1-{PAGE_LINES} of 450" in first
    assert all(line in first for line in words[:PAGE_LINES])
    assert words[PAGE_LINES] not in first
    assert "page 1 of 3" in first and plan_summary(plan) in first
    later = re.findall(r'href="([^"]+)" rel="next"', first)[0]
    assert later.endswith("section=storefront&page=2#storefront-outlet")
    second = text(sam.get(later.split("#")[0]))  # a browser keeps the fragment to itself
    assert all(line in second for line in words[PAGE_LINES : 2 * PAGE_LINES])
    assert words[0] not in second and "As of the daemon's cycle of" in second
    last = text(sam.get("/console/plan?shop=outlet&section=storefront&page=7"))
    assert "page 3 of 3" in last and f"{2 * PAGE_LINES + 1}-450 of 450" in last
    assert all(line in last for line in words[2 * PAGE_LINES :])


def test_a_plans_summary_is_worked_out_once_per_cycle_not_per_page(
    console: Console,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first plan's 200,000 events and queue lines took 0.4 s to summarise at each request."""
    from connector.web.console import plan_page

    worked: list[Plan] = []

    def summary(plan: Plan) -> str:
        worked.append(plan)
        return plan_summary(plan)

    monkeypatch.setattr(plan_page, "plan_summary", summary)
    assert console.daemon.views is not None
    plan = Plan(shop="outlet")
    console.daemon.views.publish("outlet", plan=PlanView(console.clock(), plan))
    sam = console.login("sam")
    for _ in range(3):
        assert plan_summary(plan) in text(sam.get("/console/plan"))
    assert len(worked) == 1
    later = Plan(shop="outlet", storefront=(StorefrontChange("outlet", ChangeKind.ETA, "p1"),))
    console.daemon.views.publish("outlet", plan=PlanView(console.clock(), later))
    assert plan_summary(later) in text(sam.get("/console/plan"))
    assert worked == [plan, later]
