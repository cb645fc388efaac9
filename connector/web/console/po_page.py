"""The console's purchase orders page: the open POs a page at a time, a search, and the add and
receive forms (``connector po list|add|receive`` for the owner).

The list is read a page at a time from the database (:func:`open_purchase_orders_page`), in
``connector po list``'s order: by expected date, so the overdue POs the owner has to chase come
first, then what arrives next, the undated last. A shop can keep thousands open; the search box
finds one by SKU or supplier. Receiving from a row comes back to the same page and search.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.utils import redirect

from connector.errors import UsageError
from connector.purchase_orders import open_purchase_orders_page, purchase_order_by_id
from connector.web.console.routes import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from connector.web.console.app import ConsoleApp
    from connector.web.console.sessions import Session

__all__ = ["ROUTES", "on_pos"]

_PO_FIELDS = ("shop", "sku", "quantity", "expected", "supplier", "reference", "reason")


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < len(text) < 9 else 1


def _where(search: str, number: int) -> dict[str, str]:
    """The list's state in a link: the search and page, left out when they are the defaults."""
    where = {"q": search} if search else {}
    return where | ({"page": str(number)} if number > 1 else {})


def on_pos(
    app: ConsoleApp,
    request: Request,
    session: Session,
    *,
    error: str = "",
    form: Mapping[str, str] | None = None,
) -> Response:
    """One page of the open purchase orders (``?q=`` SKU or supplier, ``?page=``), the add form,
    and what was just saved or received."""
    data = app.data
    source = request.form if request.method == "POST" else request.args
    search = source.get("q", "").strip()[:200]
    page = open_purchase_orders_page(
        data.engine, data.shops, search=search, number=_page_number(source.get("page", ""))
    )
    added = request.args.get("added", "") if not error else ""
    received = request.args.get("received", "") if not error else ""
    saved = purchase_order_by_id(data.engine, data.shops, added) if added else None
    if saved is not None and saved.outstanding == 0:
        saved = None  # as before: the notice is for an open PO just added
    done = purchase_order_by_id(data.engine, data.shops, received) if received else None
    context = {
        "shops": [name for name, shop in data.shops.items() if shop.enabled],
        "page": page,
        "pos": page.pos,
        "search": search,
        "previous": urlencode(_where(search, page.number - 1)) if page.number > 1 else None,
        "next": urlencode(_where(search, page.number + 1)) if page.number < page.pages else None,
        "error": error,
        "form": {key: (form or {}).get(key, "") for key in _PO_FIELDS},
        "saved": saved,
        "received": done,
        "warning": data.sku_warning(saved.shop, saved.sku) if saved else None,
    }
    return app.render(request, session, "purchase_orders", context, 422 if error else 200)


def on_pos_add(app: ConsoleApp, request: Request, session: Session) -> Response:
    """``connector po add`` from the form; back to the list with the new PO's notice."""
    form = {key: request.form.get(key, "")[:500] for key in _PO_FIELDS}
    shop = form["shop"]
    if shop not in app.data.shops or not app.data.shops[shop].enabled:
        return on_pos(app, request, session, error="Pick one of the shops.", form=form)
    try:
        added = app.data.add_po(
            shop,
            form,
            user=session.user.name,
            role=session.user.role,
            address=app.address(request),
            session=session.id,
        )
    except UsageError as error:
        return on_pos(app, request, session, error=str(error), form=form)
    target = f"{request.script_root}/purchase-orders?{urlencode({'added': added.po.id})}"
    return redirect(target, code=303)


def on_pos_receive(app: ConsoleApp, request: Request, session: Session) -> Response:
    """``connector po receive`` from a row; back to the same page of the same search."""
    shop, po_id = request.form.get("shop", ""), request.form.get("id", "")
    if shop not in app.data.shops:
        return on_pos(app, request, session, error="Pick one of the shops.")
    try:
        po = app.data.receive_po(
            shop,
            po_id,
            request.form.get("units", ""),
            request.form.get("more") == "yes",
            user=session.user.name,
            role=session.user.role,
            address=app.address(request),
            session=session.id,
        )
    except UsageError as error:
        return on_pos(app, request, session, error=str(error))
    where = _where(
        request.form.get("q", "").strip()[:200], _page_number(request.form.get("page", ""))
    )
    target = f"{request.script_root}/purchase-orders?{urlencode({'received': po.id, **where})}"
    return redirect(target, code=303)


ROUTES = (
    Route("/purchase-orders", "pos", "GET", on_pos, owner_only=True),
    Route("/purchase-orders", "pos_add", "POST", on_pos_add, owner_only=True),
    Route("/purchase-orders/receive", "pos_receive", "POST", on_pos_receive, owner_only=True),
)
