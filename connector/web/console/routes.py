"""The console's pages beyond the core (login, orders, audit), one module per noun.

Each page module lists its routes here as :class:`Route`; the app adds them to its URL map and
puts every one through the same gate (session, role, CSRF) as its own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["Handler", "Route", "page_routes"]

Handler = Callable[["ConsoleApp", "Request", "Session"], "Response"]


@dataclass(frozen=True, slots=True)
class Route:
    """One page or form: where, which method, who may, and what answers."""

    path: str
    endpoint: str
    method: str
    handler: Handler
    owner_only: bool = False


def page_routes() -> tuple[Route, ...]:
    """Every page module's routes (imported here, so the app names no page module itself)."""
    from connector.web.console import plan_page, po_import, po_page, reorder_page, report_page

    return (
        *po_page.ROUTES,
        *reorder_page.ROUTES,
        *po_import.ROUTES,
        *plan_page.ROUTES,
        *report_page.ROUTES,
    )
