"""The console's reorder page: ``connector report --reorder`` for every shop, and its CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from connector.engine.reorder import ReorderSuggestion
from connector.reports import REORDER_COLUMNS, reorder_rows, shop_reorder
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["ROUTES", "SHOWN", "shop_suggestions"]

SHOWN = 300
"""Suggestions listed per shop, most urgent first; the CSV has them all. Listing 10,000 (the
engine benchmark's shop) took 390 ms to render, for a list nobody reads to its end."""


def shop_suggestions(
    app: ConsoleApp, shop: str, *, fresh: bool = False
) -> tuple[Sequence[ReorderSuggestion], datetime | None]:
    """The daemon's last suggestions for ``shop`` and when it made them, else (no warm cycle
    yet, or ``fresh``) ``connector report --reorder``'s worked out now (and None)."""
    view = None if fresh else app.data.view(shop)
    if view is not None and view.reorder is not None:
        return view.reorder, view.reorder_at
    data = app.data
    return shop_reorder(data.store, data.engine, data.settings, shop, data.clock()), None


def _suggestions(
    app: ConsoleApp, fresh: bool
) -> dict[str, tuple[Sequence[ReorderSuggestion], datetime | None]]:
    return {
        name: shop_suggestions(app, name, fresh=fresh)
        for name, shop in app.data.shops.items()
        if shop.enabled
    }


def on_reorder(app: ConsoleApp, request: Request, session: Session) -> Response:
    """What to order, from which supplier, by when: the same suggestions as the CLI's."""
    fresh = request.args.get("fresh") == "1"
    context = {
        "shops": _suggestions(app, fresh),
        "fresh": fresh,
        "shown": SHOWN,
        "settings": app.data.settings.reorder,
        "suppliers": app.data.settings.suppliers,
    }
    return app.render(request, session, "reorder", context)


def on_reorder_csv(app: ConsoleApp, request: Request, session: Session) -> Response:
    """``connector report --reorder --csv``, as a download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REORDER_COLUMNS)
    fresh = request.args.get("fresh") == "1"
    for shop, (suggestions, _) in _suggestions(app, fresh).items():
        writer.writerows(reorder_rows(shop, suggestions))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="reorder.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


ROUTES = (
    Route("/reorder", "reorder", "GET", on_reorder, owner_only=True),
    Route("/reorder.csv", "reorder_csv", "GET", on_reorder_csv, owner_only=True),
)
