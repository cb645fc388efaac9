"""``connector emails``: check every template, preview a message, requeue failed messages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from connector.clock import Clock, system_clock
from connector.errors import ConnectorError, UsageError
from connector.model import Notification, NotificationKind
from connector.settings import EmailSettings, ShopSettings
from templates import EVENTS


def _settings(
    ctx: click.Context, shop_name: str | None = None
) -> tuple[EmailSettings, ShopSettings | None, str | None]:
    """Email settings, the shop (``shop_name`` or the first) and database URL from the config.

    Defaults when there is no config file; an unknown shop name is an error listing the known ones.
    """
    app = ctx.obj
    if app is None or not Path(app.config_path).exists():
        if shop_name:
            raise UsageError(f"no config file, so no shop {shop_name!r}")
        return EmailSettings(), None, None
    settings = app.settings()
    shop = settings.shops[0] if settings.shops else None
    if shop_name:
        matches = [s for s in settings.shops if s.name == shop_name]
        if not matches:
            known = ", ".join(s.name for s in settings.shops) or "none"
            raise UsageError(f"no shop {shop_name!r} in the config (shops: {known})")
        shop = matches[0]
    return settings.email, shop, settings.database_url


def _clock(ctx: click.Context) -> Clock:
    """The invocation's one clock (``--now`` or the system's)."""
    return ctx.obj.clock if ctx.obj is not None else system_clock


def _stored_notification(
    database_url: str | None, order: str, kind: NotificationKind, shop: str | None, clock: Clock
) -> Notification | None:
    """The real order's notification when the outbox has one, else None."""
    if not database_url:
        return None
    import sqlalchemy as sa

    from connector.notify.outbox import Outbox

    try:
        engine = sa.create_engine(database_url)
        try:
            return Outbox(engine, clock).notification_for_order(order, kind, shop)
        finally:
            engine.dispose()
    except sa.exc.SQLAlchemyError:
        return None


def register(cli: click.Group) -> None:
    """Add this module's commands to the `connector` group."""

    @cli.group()
    def emails() -> None:
        """Customer email templates: check them all, preview one."""

    @emails.command("check")
    @click.option(
        "--templates-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Your own template folder (overrides email.templates_dir from the config).",
    )
    @click.pass_context
    def check(ctx: click.Context, templates_dir: Path | None) -> None:
        """Render every template in every locale with sample data; exit 1 on any error."""
        from dataclasses import replace

        from connector.notify.check import check_templates

        email, _, _ = _settings(ctx)
        if templates_dir is not None:
            email = replace(email, templates_dir=str(templates_dir))
        count, problems = check_templates(email)
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        if problems:
            # main() maps a ConnectorError to exit code 1 (click's ctx.exit code is not passed on).
            raise ConnectorError(
                f"{len(problems)} template problem(s); {count} messages rendered fine"
            )
        where = f" (with your folder {email.templates_dir})" if email.templates_dir else ""
        click.echo(f"ok: {count} messages rendered, every event in every locale{where}.")

    @emails.command("preview")
    @click.argument("event", type=click.Choice(EVENTS))
    @click.option(
        "--order",
        "order",
        default=None,
        help="A real order's number or id (when the outbox has it).",
    )
    @click.option("--shop", "shop_name", default=None, help="Which shop (default: the first).")
    @click.option("--locale", default=None, help="Render in this locale (sv, sv_SE, en ...).")
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the HTML part here (.html), or the whole message (.eml); default: stdout.",
    )
    @click.option(
        "--text", "as_text", is_flag=True, help="Print the plain-text part instead of HTML."
    )
    @click.pass_context
    def preview(
        ctx: click.Context,
        *,
        event: str,
        order: str | None,
        shop_name: str | None,
        locale: str | None,
        out: Path | None,
        as_text: bool,
    ) -> None:
        """Render one EVENT as a customer would get it: a real order's data, else a SAMPLE.

        A sample uses the shop's branding and currency, in the locale asked; the terminal (not
        the email) says it is a sample.
        """
        from dataclasses import replace

        from connector.notify.render import Alternative, Renderer, make_message_id
        from connector.notify.samples import sample_alternatives, sample_notification, sample_shop

        email, shop, database_url = _settings(ctx, shop_name)
        kind = NotificationKind(event)
        shop_key = shop.name if shop and shop_name else None
        stored = (
            _stored_notification(database_url, order, kind, shop_key, _clock(ctx))
            if order
            else None
        )
        if shop is None:
            shop = sample_shop(locale or "en")
        alternatives: tuple[Alternative, ...] = ()
        if stored is not None:
            notification = stored
            if locale:
                notification = replace(notification, locale=locale)
        else:
            wanted = locale or shop.locale or "en"
            notification = replace(
                sample_notification(
                    kind, wanted, order_number=order or "#1042", currency=shop.currency
                ),
                shop=shop.name,
            )
            alternatives = sample_alternatives(wanted, shop.currency)
        rendered = Renderer(email).render(notification, shop, alternatives)
        if stored is None:
            missing = f"order {order} is not in the outbox; " if order else ""
            click.echo(
                f"SAMPLE DATA ({missing}made-up customer, lines and amounts), not a real order: "
                f"{event} for shop {shop.name} [{rendered.locale}, {shop.currency}]",
                err=True,
            )
        else:
            click.echo(f"order {notification.order_number} as stored in the outbox", err=True)
        click.echo(f"subject: {rendered.subject}", err=True)
        if out is not None and out.suffix == ".eml":
            message = rendered.to_message(
                make_message_id(notification.idempotency_key, email.from_address), _clock(ctx)()
            )
            out.write_bytes(message.as_bytes())
        elif out is not None:
            out.write_text(rendered.text if as_text else rendered.html, encoding="utf-8")
        else:
            sys.stdout.write(rendered.text if as_text else rendered.html)

    @emails.command("requeue")
    @click.option("--shop", "shop_name", default=None, help="Only this shop's messages.")
    @click.option("--id", "ids", type=int, multiple=True, help="A message id (repeatable).")
    @click.option("--all-failed", is_flag=True, help="Every failed message (not unconfirmed ones).")
    @click.pass_context
    def requeue(
        ctx: click.Context, *, shop_name: str | None, ids: tuple[int, ...], all_failed: bool
    ) -> None:
        """Send failed or unconfirmed messages again at the next delivery.

        An unconfirmed message may have reached the customer: check the mail server's log first,
        then requeue it by --id. The ids are in `connector order N` and `connector status`.
        """
        from connector.db import open_database
        from connector.notify.outbox import Outbox

        if bool(ids) == all_failed:
            raise UsageError("give either --id N (one or more) or --all-failed")
        email, _, database_url = _settings(ctx, shop_name)
        if not database_url:
            raise UsageError("no config file with a database_url")
        db = open_database(database_url, clock=_clock(ctx))
        try:
            result = Outbox(db.engine, db.clock, email).requeue_messages(
                ids=ids, shop=shop_name, all_failed=all_failed
            )
        finally:
            db.close()
        for row_id, reason in result.refused:
            click.echo(f"message {row_id} not requeued: {reason}", err=True)
        listed = ", ".join(str(i) for i in result.requeued)
        click.echo(
            f"requeued {len(result.requeued)} message(s){': ' + listed if listed else ''}; "
            "they go with the next delivery run"
        )
        if ids and result.refused:
            raise ConnectorError(f"{len(result.refused)} message(s) not requeued")
