"""CLI commands of the daemon and support tools: run, resync, status, order, demo."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.cli.progress import first_sync_progress
from connector.errors import FatalError, UsageError

if TYPE_CHECKING:
    from connector.cli.main import AppContext
    from connector.cycle import CycleReport
    from connector.daemon import Daemon
    from connector.db import Database
    from connector.platform import ResyncTarget
    from connector.settings import Settings

__all__ = ["register"]

log = logging.getLogger(__name__)


def _parse_listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--listen wants HOST:PORT, e.g. 127.0.0.1:8080 (got {value!r})")
    return host, int(port)


def _open(
    app: AppContext, *, chatty: bool = True, read_only: bool = False
) -> tuple[Settings, Database]:
    """Load the config and open the database; ``chatty`` commands log at INFO (others: warnings).

    ``read_only`` commands (status, order) never create or migrate a database: a typo in
    ``database_url`` must say so, not show an empty new database as "never synced".
    """
    from connector.logs import configure_logging

    settings = app.settings()
    level = logging.INFO if chatty else logging.WARNING
    configure_logging(settings.log_format, level=logging.DEBUG if app.debug else level)
    return settings, app.open_database(settings, read_only=read_only)


def _report_line(shop: str, report: CycleReport | None) -> str:
    if report is None:
        return f"{shop}: worked by another daemon right now (lease held); nothing done"
    if report.error:
        return f"{shop}: FAILED: {report.error}"
    planned = report.planned
    writes = report.counts([*report.storefront_results, *report.order_results])
    parts = [
        f"synced {report.sync.changed + report.resynced.changed} objects",
        f"{planned['storefront']} storefront changes",
        f"{planned['order_actions']} order actions",
        f"{report.notifications} emails queued",
        f"{planned['queue']} lines waiting",
    ]
    if writes:
        parts.append("writes " + ", ".join(f"{k} {v}" for k, v in sorted(writes.items())))
    return f"{shop}: " + "; ".join(parts)


def _daemon(settings: Settings, db: Database, **kwargs: Any) -> Daemon:
    """The daemon on the database's clock (the invocation's), its leases on real time.

    Lease expiry is compared with the database's clock (PostgreSQL's, or the host's) whatever the
    business clock says: a support engineer's ``--now`` must not make a live daemon's lease look
    expired, nor keep an expired one alive.
    """
    from connector.daemon import Daemon
    from connector.lease import database_clock

    return Daemon(settings, db, clock=db.clock, lease_clock=database_clock(db.engine), **kwargs)


def _look_up_order(daemon: Daemon, shop: str, order_ref: str) -> ResyncTarget:
    """The order ``order_ref`` (a number as support types it, with or without ``#``) on the
    platform, as a resync target by id; FatalError when the platform does not know it either."""
    from connector.platform import ResyncTarget

    page = daemon.adapter(shop).fetch(ResyncTarget(order_numbers=(order_ref,)))
    if not page.orders:
        raise FatalError(
            f"order {order_ref} was not found on {shop}; nothing was resynced, applied or sent"
        )
    return ResyncTarget(order_ids=tuple(order.platform_id for order in page.orders))


def register(cli: click.Group) -> None:
    """Add this module's commands to the `connector` group."""

    @cli.command()
    @click.option("--listen", metavar="HOST:PORT", help="Serve webhooks, /healthz and /metrics.")
    @click.option(
        "--callback-url",
        metavar="URL",
        help="Public base URL of the webhook endpoint (behind your proxy), for webhook repair.",
    )
    @click.option("--once", is_flag=True, help="Run each shop's cycle once, deliver emails, exit.")
    @click.pass_obj
    def run(app: AppContext, listen: str | None, callback_url: str | None, once: bool) -> None:
        """Run the daemon: sync, plan, apply and mail on a schedule, for every enabled shop."""
        from connector.scheduler import Scheduler
        from connector.web.server import WebhookServer

        address = _parse_listen(listen) if listen else None
        settings = app.settings()
        app.refuse_fixed_clock(settings, "connector run", daemon=not once)
        settings, db = _open(app)
        daemon = _daemon(settings, db, callback_base=callback_url)
        try:
            if once:
                with first_sync_progress(db, sys.stderr.isatty()) as progress:
                    reports = daemon.run_once(progress=progress)
                for shop, report in reports.items():
                    click.echo(_report_line(shop, report))
                if any(r is not None and not r.ok for r in reports.values()):
                    raise click.exceptions.Exit(1)
                return
            scheduler = Scheduler(
                misfire_grace_seconds=settings.schedule.misfire_grace_seconds,
                on_error=lambda shop, job, error: daemon.metrics.inc(
                    "connector_errors_total", shop=shop, job=job
                ),
            )
            daemon.schedule(scheduler)
            server = None
            if address is not None:
                server = WebhookServer(daemon.web_app(), host=address[0], port=address[1])
                server.start()
                log.info("listening on http://%s:%d", address[0], server.port)
            try:
                scheduler.run_until_stopped()
            finally:
                if server is not None:
                    server.stop()
        finally:
            daemon.close()
            db.close()

    @cli.command()
    @click.option("--shop", "shop_name", required=True, help="The shop, as named in the config.")
    @click.option("--order", "order_ref", help="An order number or platform id.")
    @click.option("--sku", help="A SKU: its variant and the orders waiting for it.")
    @click.option("--all", "everything", is_flag=True, help="Everything: a full re-read.")
    @click.pass_obj
    def resync(
        app: AppContext, shop_name: str, order_ref: str | None, sku: str | None, everything: bool
    ) -> None:
        """Re-read from the platform and re-plan now (queued for the daemon if it holds the shop)."""
        from connector.platform import ResyncTarget
        from connector.resync_queue import enqueue_resync

        if sum(bool(x) for x in (order_ref, sku, everything)) != 1:
            raise UsageError("give exactly one of --order N, --sku X or --all")
        app.refuse_fixed_clock(app.settings(), "connector resync")
        settings, db = _open(app)
        try:
            try:
                settings.shop(shop_name)
            except KeyError:
                raise UsageError(f"no shop named {shop_name!r} in the config") from None
            known = db.order(shop_name, order_ref) if order_ref else None
            daemon = _daemon(settings, db)
            try:
                if order_ref and known is not None:
                    target = ResyncTarget(order_ids=(known.platform_id,))
                elif order_ref:
                    # Not synced yet (the usual reason to ask): look the number up on the platform
                    # *before* anything runs. A resync works the shop's whole queue and applies
                    # the plan; a mistyped number must not do that and then say "not found".
                    target = _look_up_order(daemon, shop_name, order_ref)
                elif sku:
                    target = ResyncTarget(skus=(sku,))
                else:
                    target = ResyncTarget(everything=True)
                with db.engine.begin() as conn:
                    enqueue_resync(conn, shop_name, target, source="cli", now=daemon.clock())
                with first_sync_progress(db, sys.stderr.isatty() and everything) as progress:
                    report = daemon.work_shop(
                        shop_name, kind="resync", progress=progress(shop_name)
                    )
                if report is not None:
                    daemon.deliver_outbox()
            finally:
                daemon.close()
            if report is None:
                click.echo(
                    f"{shop_name}: a running daemon holds the shop; the resync is queued and "
                    "runs at its next cycle (within the sync interval, at once on a webhook)."
                )
                return
            click.echo(_report_line(shop_name, report))
            if order_ref and known is None and db.order(shop_name, order_ref) is None:
                raise FatalError(f"order {order_ref} was not found on {shop_name}")
        finally:
            db.close()

    @cli.command()
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def status(app: AppContext, as_json: bool) -> None:
        """Per shop: last sync, cursor ages, queue sizes, outbox backlog, last errors."""
        from connector.lease import database_clock
        from connector.notify.outbox import Outbox
        from connector.status import shop_status

        settings, db = _open(app, chatty=False, read_only=True)
        try:
            outbox = Outbox(db.engine, db.clock, settings.email)
            now, lease_now = db.clock(), database_clock(db.engine)()
            rows = [
                shop_status(
                    db.engine,
                    db,
                    outbox,
                    shop=s.name,
                    platform=s.platform.value,
                    now=now,
                    lease_now=lease_now,
                )
                for s in settings.shops
            ]
        finally:
            db.close()
        if as_json:
            click.echo(json.dumps([row.as_dict() for row in rows], indent=2))
            return
        from rich.console import Console

        from connector.cli.status_view import print_status

        print_status(rows, Console())

    @cli.command()
    @click.argument("order_ref", metavar="N")
    @click.option("--shop", "shop_name", help="The shop (default: look in every shop).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_obj
    def order(app: AppContext, order_ref: str, shop_name: str | None, as_json: bool) -> None:
        """One order's whole story: lines, queue positions, promises made, emails sent, holds."""
        from connector.cli.order_view import order_choices, order_money, print_story
        from connector.notify.outbox import Outbox
        from connector.status import order_story

        settings, db = _open(app, chatty=False, read_only=True)
        try:
            outbox = Outbox(db.engine, db.clock, settings.email)
            shops = [shop_name] if shop_name else [s.name for s in settings.shops]
            found = [
                story
                for name in shops
                if (story := order_story(db, outbox, name, order_ref)) is not None
            ]
            choices = order_choices(db, found[0]) if len(found) == 1 else []
            money = order_money(db, settings, found[0], app.clock()) if len(found) == 1 else None
            from connector.balance_view import balance_rows

            balances = (
                balance_rows(db.engine, found[0].shop, found[0].order.platform_id)
                if len(found) == 1
                else []
            )
        finally:
            db.close()
        if not found:
            raise FatalError(
                f"no order {order_ref!r} in {', '.join(shops)} "
                "(not synced yet? try connector resync --shop SHOP --all)"
            )
        if len(found) > 1:
            # Order numbers are per shop (WooCommerce's #29 exists in every shop): never guess.
            raise UsageError(
                f"order {order_ref!r} exists in several shops: "
                + ", ".join(story.shop for story in found)
                + "; say which with --shop"
            )
        story = found[0]
        if as_json:
            shown = {**story.as_dict(), "choices": [c.as_dict() for c in choices]}
            shown["balances"] = [{"state": b.state, "text": b.text} for b in balances]
            click.echo(json.dumps({**shown, "money": money and money.as_dict()}, indent=2))
            return
        print_story(story)
        if money is not None:
            click.echo("Money:")
            for line in money.lines():
                click.echo(f"  {line}")
        from connector.status import minute_utc

        for choice in choices:
            # What the customer chose on their page: support answers "did my cancel go through?"
            click.echo(f"  {minute_utc(choice.at)}  {choice.what}: {choice.result}")
        for balance in balances:  # a deferred pre-order's balance (docs/payments.md)
            click.echo(f"  {minute_utc(balance.updated_at)}  {balance.text}")

    @cli.command()
    @click.option(
        "--outbox",
        "outbox_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("demo-outbox"),
        show_default=True,
        help="Where the demo writes its emails (.eml files).",
    )
    @click.option(
        "--keep", is_flag=True, help="Keep the demo's SQLite database and print its path."
    )
    def demo(outbox_dir: Path, keep: bool) -> None:
        """Watch the connector work two sandbox shops (Shopify + WooCommerce): no network, no config."""
        from connector.demo import run_demo

        raise click.exceptions.Exit(run_demo(outbox_dir=outbox_dir, keep=keep))
