"""Every page a noun module adds passes the console's one gate: no session, no page; an owner
page refuses support; a form without its session's token does nothing (issue 16)."""

from __future__ import annotations

from connector.web.console.routes import page_routes
from tests.web.test_console import Console, console, csrf_of, text  # noqa: F401


def test_every_added_page_needs_a_login_and_owner_pages_refuse_support(
    console: Console,  # noqa: F811
) -> None:
    routes = page_routes()
    assert {route.path for route in routes} >= {
        "/reorder",
        "/reorder.csv",
        "/purchase-orders/import",
        "/purchase-orders/import/confirm",
        "/plan",
        "/report",
    }
    stranger = console.client()
    sam = console.login("sam")
    token = csrf_of(text(sam.get("/console/")))
    for route in routes:
        url = f"/console{route.path}"
        answer = stranger.open(url, method=route.method, data={"shop": "outlet"})
        assert answer.status_code == 303, url
        assert answer.headers["Location"].endswith("/console/login"), url
        as_support = sam.open(url, method=route.method, data={"csrf": token, "shop": "outlet"})
        if route.owner_only:
            assert as_support.status_code == 403, url
            assert "This page is for the store owner." in text(as_support)
        else:
            assert as_support.status_code == 200, url
        if route.method == "POST":
            forged = sam.open(url, method="POST", data={"shop": "outlet"})
            assert forged.status_code == 403, url
