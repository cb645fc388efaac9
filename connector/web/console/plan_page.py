"""The console's plan page: what the next cycle would write to each shop, read-only.

The same plan as ``connector plan`` (:func:`~connector.planning.plan_with_state`), in the same
words (:mod:`connector.plan_text`). Reading it writes nothing: no cursor moves, no mail is queued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.plan_text import plan_lines, plan_notes, plan_summary
from connector.planning import plan_with_state
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["ROUTES", "SECTIONS"]

SECTIONS = (
    ("storefront", "Storefront"),
    ("order", "Orders"),
    ("email", "Emails"),
)


def shop_plan(app: ConsoleApp, shop: str) -> dict[str, Any]:
    """One shop's plan as the page shows it."""
    data = app.data
    state, plan = plan_with_state(data.store, data.settings, shop, data.clock())
    numbers = {order.platform_id: order.number for order in state.orders}
    lines = plan_lines(plan, numbers)
    return {
        "shop": shop,
        "synced": bool(data.store.cursors(shop)),
        "empty": plan.is_empty,
        "sections": [
            (title, [line for line in lines if line.section == key]) for key, title in SECTIONS
        ],
        "notes": plan_notes(plan),
        "summary": plan_summary(plan),
    }


def on_plan(app: ConsoleApp, request: Request, session: Session) -> Response:
    """Each enabled shop's plan, worked out now from the state database."""
    shops = [shop_plan(app, name) for name, shop in app.data.shops.items() if shop.enabled]
    return app.render(request, session, "plan", {"plans": shops})


ROUTES = (Route("/plan", "plan", "GET", on_plan),)
