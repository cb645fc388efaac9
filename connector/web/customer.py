"""The customer page: ``GET /orders/<token>``, what a waiting customer sees behind every email.

The order, each line with what happens to it (shipped, ships now, or waiting with its expected date
and its place in line in plain words), and the promises made so far, in the customer's language,
from the same Jinja factory and locales as the emails. Mobile-friendly HTML, no JavaScript.

Every token the link reader will not honour, and a valid token whose order is gone, get the same
404 page: a stranger learns nothing by guessing. Answers are never cached and never send a referrer.
The data comes from :func:`connector.status.order_story`, the same story ``connector order N``
prints: there is no second copy of the queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from connector.clock import Clock
from connector.db.store import StateStore
from connector.engine.notifications import to_customer
from connector.model import (
    BackorderEventKind,
    NotificationKind,
    NotificationLine,
    Order,
)
from connector.notify.environment import make_environment
from connector.notify.formatting import resolve_locale
from connector.notify.render import shop_context
from connector.settings import Settings, ShopSettings
from connector.status import OrderStory, order_story
from connector.web.customer_cancel import cancels_for, request_cancel
from connector.web.customer_consent import notices_for
from connector.web.customer_swap import SWAPPABLE, request_swap
from connector.web.customer_views import (
    LineView,
    cancel_view,
    latest_promise,
    line_views,
    swap_view,
)
from connector.web.limits import PostLimits, client_address
from connector.web.links import OrderLinks
from connector.web.swap_tables import SWAP
from connector.web.tables import CANCEL, KEEP_WAITING, CancelState, choices_for, record_choice
from templates import TEMPLATES_DIR, locales_in

__all__ = ["CustomerPages", "LineView"]


PAGES = "_pages"
"""The page templates' folder under ``templates/`` (one locale folder each, like the emails)."""

_PROMISES = (BackorderEventKind.DETECTED, BackorderEventKind.ETA_SET, BackorderEventKind.DELAYED)

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src https:",
}


class CustomerPages:
    """The WSGI app of the customer page (mounted at ``/orders`` by the daemon's web app)."""

    def __init__(
        self,
        *,
        store: StateStore,
        engine: sa.Engine,
        settings: Settings,
        links: OrderLinks,
        clock: Clock,
        outbox: Any = None,
        wake: Callable[[str], None] | None = None,
    ) -> None:
        """``wake(shop)`` asks the daemon for a cycle now (a cancel was asked: write it soon)."""
        self.store = store
        self.wake = wake
        self.actions = frozenset(settings.web.customer_actions)
        self.cancel_needs_approval = settings.web.cancel_needs_approval
        self.swap_needs_approval = settings.web.swap_needs_approval
        self.swap_skus = settings.web.swap_skus
        self.engine = engine
        self.shops: Mapping[str, ShopSettings] = {s.name: s for s in settings.shops}
        self.email = settings.email
        self.links = links
        self.clock = clock
        self.outbox = outbox
        self.limits = PostLimits(clock)
        self.trusted_proxies = settings.console.trusted_proxies
        self.environment = make_environment(settings.email.templates_dir)
        self.locales = tuple(locales_in(TEMPLATES_DIR / PAGES))
        self.url_map = Map(
            [
                Rule("/<token>", endpoint="order", methods=["GET"]),
                Rule("/<token>/unsubscribe", endpoint="unsubscribe", methods=["GET", "POST"]),
                Rule("/<token>/keep-waiting", endpoint="keep_waiting", methods=["POST"]),
                Rule("/<token>/cancel", endpoint="cancel", methods=["POST"]),
                Rule("/<token>/swap", endpoint="swap", methods=["POST"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
            # Limited before any work, so a loop costs no database read or shop call.
            wait = (
                self.limits.check(values["token"], client_address(request, self.trusted_proxies))
                if request.method == "POST"
                else None
            )
            if wait is not None:
                response = self._too_many(request, wait)
            else:
                response = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException:
            response = self._not_found(request)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def _story(self, token: str) -> tuple[OrderStory, ShopSettings] | None:
        """The order a token opens, with its shop; None for every token not honoured."""
        target = self.links.read(token)
        shop = self.shops.get(target.shop) if target else None
        if target is None or shop is None:
            return None
        story = order_story(self.store, self.outbox, target.shop, target.order_id)
        return (story, shop) if story is not None else None

    def on_order(self, request: Request, token: str) -> Response:
        found = self._story(token)
        if found is None:
            return self._not_found(request)
        story, shop = found
        context = self._context(story, shop)
        context["form"] = {
            "token": self.links.form_token(token, KEEP_WAITING),
            # Relative to /orders/<token>, so it works behind any proxy prefix.
            "keep_waiting": f"{token}/keep-waiting",
            "cancel_token": self.links.form_token(token, CANCEL),
            "cancel": f"{token}/cancel",
            "swap_token": self.links.form_token(token, SWAP),
            "swap": f"{token}/swap",
        }
        return self._page("order", shop, story.order.customer_locale, context)

    def on_keep_waiting(self, request: Request, token: str) -> Response:
        """The customer agrees to wait for the current date: recorded once, shown on the page.

        Answered with a redirect to the page (post/redirect/get), so a reload or a second click
        records nothing more. A form without this page's form token changes nothing. The first
        record is confirmed by email (``wait_confirmation``).
        """
        found = self._story(token)
        if found is None:
            return self._not_found(request)
        story, shop = found
        promise = latest_promise(line_views(story))
        if (
            KEEP_WAITING in self.actions
            and self.links.check_form(token, KEEP_WAITING, request.form.get("form", ""))
            and any(line.waiting for line in line_views(story))
        ) and record_choice(
            self.engine,
            shop=shop.name,
            order_id=story.order.platform_id,
            action=KEEP_WAITING,
            promise=promise,
            at=self.clock(),
            source="customer page",
        ):
            self._confirm_wait(story, shop, promise)
        return redirect(f"{request.script_root}/{token}", code=303)

    def _confirm_wait(self, story: OrderStory, shop: ShopSettings, promise: date | None) -> None:
        """The choice's confirmation email; the outbox keys it on order, kind and date, so it
        goes once per choice like the choice's record."""
        if self.outbox is None:
            return
        order = story.order
        titles = {line.platform_id: line.title or line.sku for line in order.lines}
        lines = tuple(
            NotificationLine(
                line_id=entry.line_id,
                sku=entry.sku,
                title=titles.get(entry.line_id, entry.sku),
                quantity=entry.waiting,
                eta=entry.eta,
            )
            for entry in story.queue
            if entry.waiting
        )
        notice = to_customer(
            shop.name,
            NotificationKind.WAIT_CONFIRMATION,
            order,
            lines,
            self.clock(),
            promised_date=promise,
        )
        self.outbox.enqueue([notice], shop)

    def on_cancel(self, request: Request, token: str) -> Response:
        """The customer cancels the waiting units (not the shipped ones) for a full refund.

        Recorded here, once per order and date (a double click or a replayed form finds the first
        record); the daemon writes it to the shop with the record's idempotency key
        (:mod:`connector.web.customer_cancel`) and is woken for it. Post/redirect/get.
        """
        found = self._story(token)
        if found is None:
            return self._not_found(request)
        story, shop = found
        lines = line_views(story)
        units: dict[str, int] = {}
        for entry in story.queue:
            units[entry.line_id] = units.get(entry.line_id, 0) + entry.waiting
        if (
            CANCEL in self.actions
            and self.links.check_form(token, CANCEL, request.form.get("form", ""))
            and any(units.values())
        ):
            record = request_cancel(
                self.engine,
                shop=shop.name,
                order_id=story.order.platform_id,
                units=units.items(),
                promise=latest_promise(lines),
                at=self.clock(),
                source="customer page",
                needs_approval=self.cancel_needs_approval,
            )
            if record.state == CancelState.PENDING and self.wake is not None:
                self.wake(shop.name)
        return redirect(f"{request.script_root}/{token}", code=303)

    def on_swap(self, request: Request, token: str) -> Response:
        """The customer takes an in-stock alternative for one waiting line (``line``, ``variant``).

        Recorded once per line (:mod:`connector.web.customer_swap`); a line that does not wait, an
        item not on offer, or a form not from this page records nothing. Post/redirect/get.
        """
        found = self._story(token)
        if found is None:
            return self._not_found(request)
        story, shop = found
        if self._swaps(shop) and self.links.check_form(token, SWAP, request.form.get("form", "")):
            record = request_swap(
                self.engine,
                self.store,
                order=story.order,
                queue=story.queue,
                line_id=request.form.get("line", ""),
                variant_id=request.form.get("variant", ""),
                patterns=self.swap_skus,
                at=self.clock(),
                source="customer page",
                needs_approval=self.swap_needs_approval,
            )
            if record is not None and record.state == CancelState.PENDING and self.wake:
                self.wake(shop.name)
        return redirect(f"{request.script_root}/{token}", code=303)

    def _swaps(self, shop: ShopSettings) -> bool:
        return SWAP in self.actions and shop.platform in SWAPPABLE

    def on_unsubscribe(self, request: Request, token: str) -> Response:
        """No more reminder emails for this customer of this shop (other mails still go).

        GET asks (a link scanner following the link must not unsubscribe anyone); POST does it,
        and is also what a mail client's one-click unsubscribe sends (RFC 8058): the signed token
        in the URL is the authority, so no cookie or form token is needed. Doing it twice is
        harmless.
        """
        found = self._story(token)
        if found is None or self.outbox is None:
            return self._not_found(request)
        story, shop = found
        done = request.method == "POST"
        if done:
            self.outbox.unsubscribe(shop.name, story.order.customer.email, source="customer page")
        context = {
            "shop": shop_context(shop, self.email),
            "order": {"number": story.order.number},
            "done": done,
        }
        return self._page("unsubscribe", shop, story.order.customer_locale, context)

    def _context(self, story: OrderStory, shop: ShopSettings) -> dict[str, Any]:
        order: Order = story.order
        # Each date we gave: the first one comes with the line's detection, later ones as changes.
        promises: list[dict[str, Any]] = []
        for event in story.events:
            said = {"at": event.at.date(), "eta": event.eta, "old_eta": event.old_eta}
            if event.kind in _PROMISES and (event.eta or event.old_eta) and said not in promises:
                promises.append(said)  # one row per date given, however many lines it covered
        lines = line_views(story)
        promise = latest_promise(lines)
        choices = choices_for(self.engine, shop.name, story.order.platform_id)
        agreed = [c for c in choices if c.action == KEEP_WAITING and c.promise == promise]
        cancels = cancels_for(self.engine, shop.name, story.order.platform_id)
        return {
            "shop": shop_context(shop, self.email),
            "order": {
                "number": order.number,
                "placed": order.created_at.date(),
                "customer": order.customer.name,
            },
            "lines": lines,
            "waiting": [line for line in lines if line.waiting],
            "promises": promises,
            "choices": [
                {"action": c.action, "promise": c.promise, "at": c.at.date()} for c in choices
            ],
            "keep_waiting": {
                "promise": promise,
                "agreed": agreed[0].at.date() if agreed else None,
                "offered": KEEP_WAITING in self.actions,
            },
            "cancel": cancel_view(cancels, offered=CANCEL in self.actions),
            "swap": swap_view(
                self.engine, self.store, story, self.swap_skus, offered=self._swaps(shop)
            ),
            # An open delay notice's deadline (FTC): without "keep waiting" by then, we cancel.
            "consent_by": next(
                (
                    n.consent_by
                    for n in reversed(notices_for(self.engine, shop.name, order.platform_id))
                    if n.consent_by and not n.outcome
                ),
                None,
            ),
        }

    def _not_found(self, request: Request) -> Response:
        shop = next(iter(self.shops.values()), None)
        context = {"shop": shop_context(shop, self.email) if shop else {"name": ""}}
        locale = request.accept_languages.best
        return self._page("not_found", shop, locale, context, status=404)

    def _too_many(self, request: Request, wait: int) -> Response:
        """429 with ``Retry-After``: nothing was done, try again in a few minutes."""
        shop = next(iter(self.shops.values()), None)
        context: dict[str, Any] = {"shop": shop_context(shop, self.email) if shop else {"name": ""}}
        context["minutes"] = max(1, -(-wait // 60))  # rounded up: "0 minutes" would mislead
        response = self._page("too_many", shop, request.accept_languages.best, context, 429)
        response.headers["Retry-After"] = str(wait)
        return response

    def _page(
        self,
        name: str,
        shop: ShopSettings | None,
        locale: str | None,
        context: dict[str, Any],
        status: int = 200,
    ) -> Response:
        choice = resolve_locale(locale, shop.locale if shop else None, self.locales)
        template = self.environment.get_template(f"{PAGES}/{choice.folder}/{name}.html.j2")
        html = template.render(
            {**context, "locale": choice.babel, "lang": choice.folder.split("_", 1)[0]}
        )
        return Response(html, status=status, mimetype="text/html", headers=_HEADERS)
