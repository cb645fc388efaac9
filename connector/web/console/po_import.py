"""Purchase orders from a CSV sheet in the console: upload, preview, confirm (``po import``).

The sheet is parsed and compared with the stored purchase orders by the same functions as
``connector po import`` (:mod:`connector.supply_import`), so the console says the same things:
``2 new, 1 changed, 3 unchanged``, each bad row with its line and reason. Like the CLI, the good
rows are kept and the bad ones reported (a sheet is many independent purchase orders: one typo
should not hold back the rest), but only after the owner saw the preview and confirmed it.

The preview carries the sheet's text in the confirm form, so nothing is kept on the server
between the two steps; confirming parses it again against what is stored then. Importing is
idempotent, so a confirm sent twice changes nothing the second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.purchase_orders import shop_today, unknown_sku_warning
from connector.supply_import import (
    ImportChanges,
    ImportProblem,
    ImportResult,
    compare_with_stored,
    describe_change,
    parse_purchase_orders,
)
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["MAX_BYTES", "ROUTES"]

MAX_BYTES = 400_000
"""The largest sheet (some 8,000 rows): the confirm form carries it back, and form fields are
capped at 500 kB by the HTTP layer."""


def _shops(app: ConsoleApp) -> list[str]:
    return [name for name, shop in app.data.shops.items() if shop.enabled]


def _page(
    app: ConsoleApp, request: Request, session: Session, status: int = 200, **context: Any
) -> Response:
    return app.render(
        request,
        session,
        "po_import",
        {
            "shops": _shops(app),
            "shop": "",
            "max_kb": MAX_BYTES // 1000,
            "done": None,
            "preview": None,
            "sheet": "",
            "error": "",
            **context,
        },
        status,
    )


def on_import_form(app: ConsoleApp, request: Request, session: Session) -> Response:
    """The upload form."""
    return _page(app, request, session)


def _read(app: ConsoleApp, request: Request) -> tuple[str, str, str | None]:
    """(shop, sheet text, problem) from an upload or from the preview's confirm form."""
    shop = request.form.get("shop", "")
    if shop not in _shops(app):
        return shop, "", "Pick one of the shops."
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read(MAX_BYTES + 1)
        source = upload.filename
    else:
        data = request.form.get("sheet", "").encode()
        source = ""
    if not data.strip():
        return shop, "", "Choose a CSV file to import."
    if len(data) > MAX_BYTES:
        return shop, "", f"The sheet is over {MAX_BYTES // 1000} kB: split it and import each part."
    try:
        return shop, data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        name = f"{source}: " if source else ""
        return shop, "", f"cannot import {name}not UTF-8 text: {error}"


def _compare(app: ConsoleApp, shop: str, text: str) -> tuple[ImportResult, ImportChanges]:
    now = app.data.clock()
    result = parse_purchase_orders(text, shop, now)
    stored = app.data.store.purchase_orders(shop, open_only=False)
    return result, compare_with_stored(result, stored, shop_today(app.data.settings, shop, now))


def _summary(changes: ImportChanges) -> str:
    return (
        f"{len(changes.new)} new, {len(changes.changed)} changed, "
        f"{len(changes.unchanged)} unchanged"
    )


def _shown(
    app: ConsoleApp, shop: str, result: ImportResult, changes: ImportChanges
) -> dict[str, Any]:
    """What the preview and the result show: the CLI's summary, changes, warnings and problems."""
    problems: list[ImportProblem] = sorted(
        [*result.problems, *changes.refused], key=lambda p: p.line
    )
    warnings = [
        f"line {result.lines.get(po.id, 0)}: {warning}"
        for po in changes.new
        if (warning := unknown_sku_warning(app.data.store, shop, po.sku))
    ]
    return {
        "shop": shop,
        "summary": _summary(changes),
        "new": changes.new,
        "changed": [(new, describe_change(old, new)) for old, new in changes.changed],
        "unchanged": changes.unchanged,
        "problems": problems,
        "warnings": warnings,
        # Line 1 is the header: with it wrong (or the file unreadable) no row can be read.
        "whole_file": any(problem.line <= 1 for problem in result.problems),
    }


def on_import_preview(app: ConsoleApp, request: Request, session: Session) -> Response:
    """Parse the upload and show what importing it would do; nothing is written yet."""
    shop, text, problem = _read(app, request)
    if problem is not None:
        return _page(app, request, session, 422, error=problem, shop=shop)
    result, changes = _compare(app, shop, text)
    shown = _shown(app, shop, result, changes)
    return _page(app, request, session, 200, preview=shown, sheet=text)


def on_import_confirm(app: ConsoleApp, request: Request, session: Session) -> Response:
    """Write the good rows of the previewed sheet (compared again with what is stored now),
    audited; unchanged rows are not written, as ``po import`` writes none."""
    shop, text, problem = _read(app, request)
    if problem is not None:
        return _page(app, request, session, 422, error=problem, shop=shop)
    result, changes = _compare(app, shop, text)
    shown = _shown(app, shop, result, changes)
    if shown["whole_file"]:
        return _page(app, request, session, 422, preview=shown, sheet=text)
    with app.data.store.transaction() as tx:
        for po in changes.to_write:
            tx.add_purchase_order(po)
    app.data.supply_changed(shop)
    detail = _summary(changes)
    if shown["problems"]:
        detail += f", {len(shown['problems'])} rows skipped"
    app.record(request, session, "po import", shop=shop, detail=detail)
    return _page(app, request, session, 200, done=shown)


ROUTES = (
    Route("/purchase-orders/import", "po_import", "GET", on_import_form, owner_only=True),
    Route("/purchase-orders/import", "po_preview", "POST", on_import_preview, owner_only=True),
    Route(
        "/purchase-orders/import/confirm", "po_confirm", "POST", on_import_confirm, owner_only=True
    ),
)
