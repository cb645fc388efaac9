"""Logging in through a trusted reverse proxy's header (``[console] sso_header``).

The proxy (oauth2-proxy, Authelia, Cloudflare Access, a company IdP) signs the person in and
sets a header to their user name; the console then takes that name from requests that come from
a ``trusted_proxies`` address only, and only for a user of ``[[console.users]]`` (whose role
still comes from the config). From anyone else the header is ignored: a client that reaches the
daemon directly must not name itself. The risk that remains is documented in docs/console.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from connector.settings import ConsoleSettings, ConsoleUser
from connector.web.console import audit

if TYPE_CHECKING:
    from connector.web.console.app import ConsoleApp

__all__ = ["SsoAnswer", "sso_login", "sso_user"]


@dataclass(frozen=True, slots=True)
class SsoAnswer:
    """What the header says: no say (``asked`` false), a known user, or a name we do not know."""

    asked: bool
    user: ConsoleUser | None = None
    name: str = ""


def sso_user(settings: ConsoleSettings, request: Request) -> SsoAnswer:
    """The user the trusted proxy's header names, if the console takes headers from this peer."""
    if not settings.sso_header or (request.remote_addr or "") not in settings.trusted_proxies:
        return SsoAnswer(asked=False)
    name = request.headers.get(settings.sso_header, "").strip()[:100]
    if not name:
        return SsoAnswer(asked=False)
    return SsoAnswer(asked=True, user=settings.user(name), name=name)


def sso_login(app: ConsoleApp, request: Request, sso: SsoAnswer) -> Response:
    """A session for the user the trusted proxy names (audited), then the page again (GET) or
    the overview: a form posted without a session of its own has no CSRF token to trust."""
    from connector.web.console.app import COOKIE

    address, now = app.address(request), app.data.clock()
    if sso.user is None:
        with app.data.engine.begin() as conn:
            audit.record(
                conn,
                at=now,
                user=sso.name,
                address=address,
                action=audit.LOGIN_FAILED,
                detail="sso: not a console user",
            )
        return app.message(request, None, f"{sso.name} is not a user of this console.", 403)
    token, session = app.sessions.issue(sso.user)
    with app.data.engine.begin() as conn:
        audit.record(
            conn,
            at=now,
            user=sso.user.name,
            role=sso.user.role,
            address=address,
            action="login",
            detail="sso",
            session=session.id,
        )
    query = request.query_string.decode("latin-1")
    again = f"{request.script_root}{request.path}" + (f"?{query}" if query else "")
    response = redirect(again if request.method == "GET" else f"{request.script_root}/", code=303)
    response.set_cookie(
        COOKIE, token, max_age=app.settings.session_hours * 3600, **app.cookie(request)
    )
    return response
