"""The console's plan page: what the engine finds to change in each shop, read-only.

Inside the daemon, the plan its last warm cycle made (:mod:`connector.shop_views`), "as of"
that cycle: the plan ``connector plan`` would have printed for the state it was made from, at
no cost to the request. Before the shop's first warm cycle (or with ``?fresh=1``), the plan
worked out at the request as ``connector plan`` does (:func:`~connector.planning.plan_with_state`).
Either way in the same words (:mod:`connector.plan_text`), and reading it writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from connector.model import Plan
from connector.plan_text import plan_lines, plan_notes, plan_summary
from connector.planning import plan_with_state
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["ROUTES", "SECTIONS", "plan_context", "shop_plan"]

SECTIONS = (
    ("storefront", "Storefront"),
    ("order", "Orders"),
    ("email", "Emails"),
)


def plan_context(
    shop: str, plan: Plan, numbers: Mapping[str, str], *, synced: bool, as_of: datetime | None
) -> dict[str, Any]:
    """One shop's plan as the page shows it; ``as_of`` the daemon's cycle that made it (None:
    worked out at this request)."""
    lines = plan_lines(plan, numbers)
    return {
        "shop": shop,
        "synced": synced,
        "as_of": as_of,
        "empty": plan.is_empty,
        "sections": [
            (title, [line for line in lines if line.section == key]) for key, title in SECTIONS
        ],
        "notes": plan_notes(plan),
        "summary": plan_summary(plan),
    }


def shop_plan(app: ConsoleApp, shop: str, *, fresh: bool = False) -> dict[str, Any]:
    """The daemon's last plan of ``shop``, else (or when ``fresh``) one worked out now."""
    data = app.data
    view = None if fresh else data.view(shop)
    if view is not None and view.plan is not None:
        made = view.plan
        return plan_context(shop, made.plan, made.numbers, synced=True, as_of=made.at)
    state, plan = plan_with_state(data.store, data.settings, shop, data.clock())
    numbers = {order.platform_id: order.number for order in state.orders}
    return plan_context(shop, plan, numbers, synced=bool(data.store.cursors(shop)), as_of=None)


def on_plan(app: ConsoleApp, request: Request, session: Session) -> Response:
    """Each enabled shop's plan: the daemon's last, or worked out now (``?fresh=1``)."""
    fresh = request.args.get("fresh") == "1"
    shops = [
        shop_plan(app, name, fresh=fresh) for name, shop in app.data.shops.items() if shop.enabled
    ]
    return app.render(request, session, "plan", {"plans": shops, "fresh": fresh})


ROUTES = (Route("/plan", "plan", "GET", on_plan),)
