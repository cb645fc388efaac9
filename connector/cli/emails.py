"""``connector emails``: check every template, preview a message as a customer would see it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from connector.errors import ConnectorError
from connector.model import Notification, NotificationKind
from connector.settings import EmailSettings, ShopSettings
from templates import EVENTS


def _settings(ctx: click.Context) -> tuple[EmailSettings, ShopSettings | None, str | None]:
    """Email settings, first shop and database URL from the config; defaults when there is none."""
    app = ctx.obj
    if app is None or not Path(app.config_path).exists():
        return EmailSettings(), None, None
    settings = app.settings()
    shop = settings.shops[0] if settings.shops else None
    return settings.email, shop, settings.database_url


def _stored_notification(
    database_url: str | None, order: str, kind: NotificationKind
) -> Notification | None:
    """The real order's notification when the outbox has one, else None."""
    if not database_url:
        return None
    import sqlalchemy as sa

    from connector.clock import system_clock
    from connector.notify.outbox import Outbox

    try:
        engine = sa.create_engine(database_url)
        try:
            return Outbox(engine, system_clock).notification_for_order(order, kind)
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
        locale: str | None,
        out: Path | None,
        as_text: bool,
    ) -> None:
        """Render one EVENT as a customer would get it: a real order's data or a sample."""
        from dataclasses import replace
        from datetime import UTC, datetime

        from connector.notify.render import Renderer, make_message_id
        from connector.notify.samples import SAMPLE_ALTERNATIVES, sample_notification, sample_shop

        email, shop, database_url = _settings(ctx)
        kind = NotificationKind(event)
        notification = _stored_notification(database_url, order, kind) if order else None
        source = "stored" if notification else "sample"
        if notification is None:
            currency = shop.currency if shop else None
            shop_for_sample = shop or sample_shop(locale or "en", currency)
            notification = sample_notification(
                kind, locale, order_number=order or "#1042", currency=shop_for_sample.currency
            )
            shop = shop_for_sample
        assert shop is not None
        if locale:
            notification = replace(notification, locale=locale)
        rendered = Renderer(email).render(
            notification, shop, SAMPLE_ALTERNATIVES if source == "sample" else ()
        )
        click.echo(f"{source} {event} [{rendered.locale}]: {rendered.subject}", err=True)
        if out is not None and out.suffix == ".eml":
            message = rendered.to_message(
                make_message_id(notification.idempotency_key, email.from_address), datetime.now(UTC)
            )
            out.write_bytes(message.as_bytes())
        elif out is not None:
            out.write_text(rendered.text if as_text else rendered.html, encoding="utf-8")
        else:
            sys.stdout.write(rendered.text if as_text else rendered.html)
