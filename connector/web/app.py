"""The daemon's one WSGI app: the webhook endpoint at the root, the customer page at ``/orders``
when ``[web]`` is configured, the support console at ``/console`` when ``[console]`` is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector.daemon import Daemon
    from connector.web.webhooks import WebhookApp

__all__ = ["compose"]


def compose(daemon: Daemon, webhooks: WebhookApp) -> Any:
    """Mount each configured face next to the webhooks (alone when none is configured)."""
    settings = daemon.settings
    faces: dict[str, Any] = {}
    if settings.web.enabled:
        from connector.web.customer import CustomerPages
        from connector.web.links import OrderLinks

        faces["/orders"] = CustomerPages(
            store=daemon.db,
            engine=daemon.db.engine,
            settings=settings,
            links=OrderLinks(settings.web, daemon.clock),
            clock=daemon.clock,
            outbox=daemon.outbox,
            wake=daemon.wake,
        )
    if settings.console.enabled:
        from connector.notify.environment import make_environment
        from connector.web.console.app import ConsoleApp
        from connector.web.console.pages import ConsoleData

        faces["/console"] = ConsoleApp(
            settings=settings.console,
            public_url=settings.web.public_url,
            data=ConsoleData(
                store=daemon.db,
                engine=daemon.db.engine,
                outbox=daemon.outbox,
                settings=settings,
                clock=daemon.clock,
                lease_clock=daemon.lease_clock,
                views=daemon.views,
            ),
            # Ours only: a store owner's email templates folder has no say over the console.
            environment=make_environment(),
            wake=daemon.wake,
        )
    if not faces:
        return webhooks
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    return DispatcherMiddleware(webhooks, faces)
