"""The console's plan page: what the engine finds to change in each shop, read-only.

Inside the daemon, the plan its last warm cycle made (:mod:`connector.shop_views`), "as of"
that cycle: the plan ``connector plan`` would have printed for the state it was made from, at
no cost to the request. Before the shop's first warm cycle (or with ``?fresh=1``), the plan
worked out at the request as ``connector plan`` does (:func:`~connector.planning.plan_with_state`).
Either way in the same words (:mod:`connector.plan_text`), and reading it writes nothing.

After a big shop's first cycle the plan is the whole shop's (hundreds of thousands of lines), so
each section shows :data:`PAGE_LINES` lines at a time with its total; only the lines shown are
put into words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from connector.model import Plan
from connector.plan_text import plan_lines, plan_notes, plan_summary
from connector.planning import plan_with_state
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["PAGE_LINES", "ROUTES", "SECTIONS", "plan_context", "shop_plan"]

SECTIONS = (
    ("storefront", "Storefront"),
    ("order", "Orders"),
    ("email", "Emails"),
)
PAGE_LINES = 200
"""Lines per section per page: what an owner scrolls through, not a first plan's all."""
_FIELDS = {"storefront": "storefront", "order": "order_actions", "email": "notifications"}


def _section(
    plan: Plan,
    numbers: Mapping[str, str],
    *,
    shop: str,
    key: str,
    title: str,
    asked: int,
    fresh: bool,
) -> dict[str, Any]:
    """One section's page ``asked`` (past the last: the last), in ``connector plan``'s words."""
    items: Sequence[Any] = getattr(plan, _FIELDS[key])
    total = len(items)
    pages = max(1, -(-total // PAGE_LINES))
    number = max(1, min(asked, pages))
    start = (number - 1) * PAGE_LINES
    part = Plan(shop=plan.shop, **{_FIELDS[key]: tuple(items[start : start + PAGE_LINES])})

    def link(page: int) -> str:
        where = {"shop": shop, "section": key, "page": str(page)} | (
            {"fresh": "1"} if fresh else {}
        )
        return f"?{urlencode(where)}#{key}-{shop}"

    return {
        "key": key,
        "title": title,
        "lines": plan_lines(part, numbers),
        "total": total,
        "number": number,
        "pages": pages,
        "first": start + 1,
        "previous": link(number - 1) if number > 1 else None,
        "next": link(number + 1) if number < pages else None,
    }


def plan_context(
    shop: str,
    plan: Plan,
    numbers: Mapping[str, str],
    *,
    synced: bool,
    as_of: datetime | None,
    pages: Mapping[str, int] | None = None,
    fresh: bool = False,
    notes: list[str] | None = None,
    summary: str | None = None,
) -> dict[str, Any]:
    """One shop's plan as the page shows it; ``as_of`` the daemon's cycle that made it (None:
    worked out at this request); ``pages`` the page asked of a section (default the first);
    ``notes`` and ``summary`` the plan's when already worked out."""
    return {
        "shop": shop,
        "synced": synced,
        "as_of": as_of,
        "empty": plan.is_empty,
        "sections": [
            _section(
                plan,
                numbers,
                shop=shop,
                key=key,
                title=title,
                asked=(pages or {}).get(key, 1),
                fresh=fresh,
            )
            for key, title in SECTIONS
        ],
        "notes": plan_notes(plan) if notes is None else notes,
        "summary": plan_summary(plan) if summary is None else summary,
    }


def shop_plan(
    app: ConsoleApp, shop: str, *, fresh: bool = False, pages: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The daemon's last plan of ``shop``, else (or when ``fresh``) one worked out now."""
    data = app.data
    view = None if fresh else data.view(shop)
    if view is not None and view.plan is not None:
        made = view.plan
        return plan_context(
            shop,
            made.plan,
            made.numbers,
            synced=True,
            as_of=made.at,
            pages=pages,
            fresh=fresh,
            notes=data.of_plan(shop, made, "notes", plan_notes),
            summary=data.of_plan(shop, made, "summary", plan_summary),
        )
    state, plan = plan_with_state(data.store, data.settings, shop, data.clock())
    numbers = {order.platform_id: order.number for order in state.orders}
    synced = bool(data.store.cursors(shop))
    return plan_context(shop, plan, numbers, synced=synced, as_of=None, pages=pages, fresh=fresh)


def on_plan(app: ConsoleApp, request: Request, session: Session) -> Response:
    """Each enabled shop's plan: the daemon's last, or worked out now (``?fresh=1``); a section's
    later lines with ``?shop=&section=&page=``."""
    fresh = request.args.get("fresh") == "1"
    asked = request.args.get("page", "")
    page = int(asked) if asked.isdigit() and len(asked) < 9 else 1
    paged, section = request.args.get("shop", ""), request.args.get("section", "")
    shops = [
        shop_plan(app, name, fresh=fresh, pages={section: page} if name == paged else None)
        for name, shop in app.data.shops.items()
        if shop.enabled
    ]
    return app.render(request, session, "plan", {"plans": shops, "fresh": fresh})


ROUTES = (Route("/plan", "plan", "GET", on_plan),)
