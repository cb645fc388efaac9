"""The console's reorder page: ``connector report --reorder`` for every shop, and its CSV."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from connector.engine.reorder import ReorderSuggestion
from connector.reports import REORDER_COLUMNS, reorder_rows, shop_reorder
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["ROUTES"]


def _suggestions(app: ConsoleApp) -> dict[str, list[ReorderSuggestion]]:
    data, now = app.data, app.data.clock()
    return {
        name: shop_reorder(data.store, data.engine, data.settings, name, now)
        for name, shop in data.shops.items()
        if shop.enabled
    }


def on_reorder(app: ConsoleApp, request: Request, session: Session) -> Response:
    """What to order, from which supplier, by when: the same suggestions as the CLI's."""
    context = {
        "shops": _suggestions(app),
        "settings": app.data.settings.reorder,
        "suppliers": app.data.settings.suppliers,
    }
    return app.render(request, session, "reorder", context)


def on_reorder_csv(app: ConsoleApp, request: Request, session: Session) -> Response:
    """``connector report --reorder --csv``, as a download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REORDER_COLUMNS)
    for shop, suggestions in _suggestions(app).items():
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
