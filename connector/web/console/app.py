"""The console's WSGI app (mounted at ``/console`` by :func:`connector.web.app.compose`).

Every request passes the same gate: no page without a valid session (else a redirect to the
login page), no owner page for a support user (403), no POST without the session's CSRF token
(403, nothing done). The login is rate limited per address and user name from the audit log's
failed logins, and every action is written to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from connector.settings import ConsoleSettings
from connector.status import minute_utc
from connector.web.console import audit
from connector.web.console.pages import ConsoleData
from connector.web.console.routes import Route, page_routes
from connector.web.console.sessions import Session, Sessions
from connector.web.console.sso import sso_login, sso_user
from connector.web.limits import client_address
from connector.web.passwords import verify_password

__all__ = ["ConsoleApp"]

COOKIE = "connector_console"
LOGIN_COOKIE = "connector_console_login"
FOLDER = "_console"
OWNER = "owner"

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
}
_PUBLIC = frozenset({"login", "login_post"})
_OWNER_ONLY = frozenset({"audit"})


class ConsoleApp:
    """The console for one daemon: its database, outbox, clock, and its way to wake a shop."""

    def __init__(
        self,
        *,
        settings: ConsoleSettings,
        public_url: str,
        data: ConsoleData,
        environment: Any,
        wake: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = Sessions(settings, data.clock)
        self.data = data
        self.secure = urlsplit(settings.public_url or public_url).scheme == "https"
        self.environment = environment
        self.environment.filters["minute"] = minute_utc
        self.wake = wake
        self.pages: dict[str, Route] = {route.endpoint: route for route in page_routes()}
        self.url_map = Map(
            [
                Rule("/", endpoint="overview", methods=["GET"]),
                Rule("/login", endpoint="login", methods=["GET"]),
                Rule("/login", endpoint="login_post", methods=["POST"]),
                Rule("/logout", endpoint="logout", methods=["POST"]),
                Rule("/orders", endpoint="orders", methods=["GET"]),
                Rule("/order", endpoint="order", methods=["GET"]),
                Rule("/order/resync", endpoint="resync", methods=["POST"]),
                Rule("/queue", endpoint="queue", methods=["GET"]),
                Rule("/audit", endpoint="audit", methods=["GET"]),
                *(
                    Rule(page.path, endpoint=page.endpoint, methods=[page.method])
                    for page in self.pages.values()
                ),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
        except HTTPException as error:
            response: Response = self.message(request, None, "Not found.", error.code or 404)
        else:
            try:
                response = self._dispatch(request, endpoint, values)
            except HTTPException as error:  # a form past the size limits: refused, not a crash
                response = self.message(request, None, error.description or "", error.code or 400)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _dispatch(self, request: Request, endpoint: str, values: Mapping[str, Any]) -> Response:
        if endpoint in _PUBLIC:
            handler: Callable[..., Response] = getattr(self, f"on_{endpoint}")
            return handler(request, **values)
        session = self._session(request)
        sso = sso_user(self.settings, request)
        if sso.asked and (session is None or session.user.name != sso.name):
            return sso_login(self, request, sso)
        if session is None:
            return redirect(f"{request.script_root}/login", code=303)
        page = self.pages.get(endpoint)
        owner_only = page.owner_only if page is not None else endpoint in _OWNER_ONLY
        if owner_only and session.user.role != OWNER:
            return self.message(request, session, "This page is for the store owner.", 403)
        if request.method == "POST" and not self.sessions.check_csrf(
            session.id, request.form.get("csrf", "")
        ):
            return self.message(
                request,
                session,
                "This form expired or came from another page; nothing was done. "
                "Go back, reload, and try again.",
                403,
            )
        if page is not None:
            return page.handler(self, request, session)
        handler = getattr(self, f"on_{endpoint}")
        return handler(request, session, **values)

    def _session(self, request: Request) -> Session | None:
        session = self.sessions.read(request.cookies.get(COOKIE, ""))
        if session is None or audit.is_logged_out(self.data.engine, session.id):
            return None
        return session

    # login -------------------------------------------------------------------------------------

    def on_login(self, request: Request, message: str = "", status: int = 200) -> Response:
        nonce = self.sessions.nonce()
        response = self.render(
            request,
            None,
            "login",
            {"message": message, "form_token": self.sessions.csrf(f"login:{nonce}")},
            status,
        )
        response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, **self.cookie(request))
        return response

    def on_login_post(self, request: Request) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not self.sessions.check_csrf(
            f"login:{nonce}", request.form.get("csrf", "")
        ):
            return self.on_login(request, "The login form expired; please try again.", 400)
        name = request.form.get("user", "").strip()[:100]
        password = request.form.get("password", "")
        address = self.address(request)
        now = self.data.clock()
        window = timedelta(minutes=self.settings.lockout_minutes)
        if audit.failed_logins(self.data.engine, name, address, now - window) >= (
            self.settings.login_attempts
        ):
            # The password is not even checked: guessing on costs the guesser nothing to learn.
            return self.on_login(
                request,
                f"Too many failed logins for this user from your address: wait "
                f"{self.settings.lockout_minutes} minutes and try again.",
                429,
            )
        user = self.settings.user(name)
        # A user without a password (sso_header) cannot log in with one.
        known = user.password_hash if user and user.password_hash else None
        if not verify_password(known, password) or user is None:
            with self.data.engine.begin() as conn:
                audit.record(conn, at=now, user=name, address=address, action=audit.LOGIN_FAILED)
            return self.on_login(request, "Wrong user name or password.", 401)
        token, session = self.sessions.issue(user)
        with self.data.engine.begin() as conn:
            audit.record(
                conn,
                at=now,
                user=user.name,
                role=user.role,
                address=address,
                action="login",
                session=session.id,
            )
        response = redirect(f"{request.script_root}/", code=303)
        response.set_cookie(
            COOKIE, token, max_age=self.settings.session_hours * 3600, **self.cookie(request)
        )
        response.delete_cookie(LOGIN_COOKIE, **self.cookie(request))
        return response

    def on_logout(self, request: Request, session: Session) -> Response:
        self.record(request, session, audit.LOGOUT)
        response = redirect(f"{request.script_root}/login", code=303)
        response.delete_cookie(COOKIE, **self.cookie(request))
        return response

    def address(self, request: Request) -> str:
        """The client's address: the peer's, or behind a trusted proxy the hop it saw last."""
        return client_address(request, self.settings.trusted_proxies)

    def cookie(self, request: Request) -> dict[str, Any]:
        """The session cookie's attributes: this console's path, HttpOnly, SameSite=Strict."""
        return {
            "path": f"{request.script_root}/",
            "secure": self.secure,
            "httponly": True,
            "samesite": "Strict",
        }

    # pages -------------------------------------------------------------------------------------

    def on_overview(self, request: Request, session: Session) -> Response:
        return self.render(request, session, "overview", {"shops": self.data.overview()})

    def on_orders(self, request: Request, session: Session) -> Response:
        query = request.args.get("q", "").strip()[:200]
        found = self.data.lookup(query) if query else []
        if query:
            self.record(request, session, "lookup", detail=query)
        if len(found) == 1:
            return redirect(self._order_url(request, found[0].shop, found[0].order_id), code=303)
        return self.render(request, session, "orders", {"query": query, "found": found})

    def on_order(self, request: Request, session: Session) -> Response:
        shop, order_id = request.args.get("shop", ""), request.args.get("id", "")
        story = self.data.story(shop, order_id)
        if story is None:
            return self.message(request, session, "No such order in the state database.", 404)
        context = {
            "story": story,
            "order": story.order,
            "resyncs": self.data.resyncs(shop, story.order.platform_id),
            "money": self.data.money(story),
            "can_resync": self.data.shops[shop].enabled,
        }
        return self.render(request, session, "order", context)

    def on_resync(self, request: Request, session: Session) -> Response:
        shop, order_id = request.form.get("shop", ""), request.form.get("id", "")
        story = self.data.story(shop, order_id)
        if story is None or not self.data.shops[shop].enabled:
            return self.message(request, session, "No such order of an enabled shop.", 404)
        self.data.queue_resync(
            story,
            user=session.user.name,
            role=session.user.role,
            address=self.address(request),
            session=session.id,
        )
        if self.wake is not None:
            self.wake(shop)  # the daemon runs the shop's cycle now rather than at its next tick
        return redirect(self._order_url(request, shop, story.order.platform_id), code=303)

    def on_queue(self, request: Request, session: Session) -> Response:
        sku = request.args.get("sku", "").strip()[:200]
        shops = self.data.sku_queue(sku) if sku else []
        return self.render(request, session, "queue", {"sku": sku, "shops": shops})

    def on_audit(self, request: Request, session: Session) -> Response:
        return self.render(
            request, session, "audit", {"entries": audit.entries(self.data.engine, limit=500)}
        )

    # helpers -----------------------------------------------------------------------------------

    def record(self, request: Request, session: Session, action: str, **fields: str) -> None:
        """Write one action of this session's user to the audit log, now."""
        with self.data.engine.begin() as conn:
            audit.record(
                conn,
                at=self.data.clock(),
                user=session.user.name,
                role=session.user.role,
                address=self.address(request),
                action=action,
                session=session.id,
                **fields,
            )

    @staticmethod
    def _order_url(request: Request, shop: str, order_id: str) -> str:
        return f"{request.script_root}/order?shop={quote(shop)}&id={quote(order_id, safe='')}"

    def message(
        self, request: Request, session: Session | None, text: str, status: int
    ) -> Response:
        """A page with one sentence (an error, a refusal) and ``status``."""
        return self.render(request, session, "message", {"message": text}, status)

    def render(
        self,
        request: Request,
        session: Session | None,
        name: str,
        context: dict[str, Any],
        status: int = 200,
    ) -> Response:
        """``_console/<name>.html.j2`` with ``context``, the user, a CSRF token and our headers."""
        template = self.environment.get_template(f"{FOLDER}/{name}.html.j2")
        html = template.render(
            {
                **context,
                "root": request.script_root,
                "user": session.user if session else None,
                "csrf": self.sessions.csrf(session.id) if session else "",
                "locale": "en",
            }
        )
        return Response(html, status=status, mimetype="text/html", headers=_HEADERS)
