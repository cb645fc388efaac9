"""Render every template of every locale with sample data and collect what fails.

Used by ``connector emails check`` and the tests: a typo, a missing variable or a broken override
is found here, by the store owner, and not in a customer's inbox.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from connector.model import NotificationKind
from connector.notify.formatting import resolve_locale
from connector.notify.render import Renderer, RenderError, build_context
from connector.notify.samples import sample_alternatives, sample_notification, sample_shop
from connector.settings import EmailSettings
from templates import EVENTS, TEMPLATES_DIR, locales_in

__all__ = ["TemplateProblem", "check_templates"]


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """One template that failed: where it came from, which locale and event, and why."""

    source: str
    locale: str
    event: str
    message: str

    def __str__(self) -> str:
        return f"[{self.source}] {self.locale}/{self.event}: {self.message}"


def _check(
    renderer: Renderer, locales: list[str], source: str
) -> tuple[int, list[TemplateProblem]]:
    problems: list[TemplateProblem] = []
    rendered = 0
    for locale in locales:
        choice = resolve_locale(locale, None, [locale])
        shop = sample_shop(locale)
        for event in EVENTS:
            kind = NotificationKind(event)
            notification = sample_notification(kind, locale, currency=shop.currency)
            # Render twice: with every optional field filled, and with them all empty, so both
            # sides of each `if` run.
            bare = replace(
                notification,
                reason="",
                discount_code="",
                payment_terms="",
                promised_date=None,
                old_promised_date=None,
            )
            offered = sample_alternatives(locale, shop.currency)
            for variant, alternatives in ((notification, offered), (bare, ())):
                context = build_context(variant, shop, renderer.settings, choice, alternatives)
                try:
                    renderer.render_parts(locale, event, context)
                    rendered += 1
                except RenderError as error:
                    problems.append(TemplateProblem(source, locale, event, str(error)))
                    break
    return rendered, problems


def check_templates(settings: EmailSettings | None = None) -> tuple[int, list[TemplateProblem]]:
    """Render all events in all locales: ours, then (when configured) the owner's folder over ours.

    Returns (messages rendered, problems). An owner's folder that does not exist is a problem too.
    """
    settings = settings or EmailSettings()
    ours = Renderer(replace(settings, templates_dir=None))
    count, problems = _check(ours, locales_in(TEMPLATES_DIR), "shipped")
    if settings.templates_dir:
        folder = Path(settings.templates_dir).expanduser()
        if not folder.is_dir():
            problems.append(
                TemplateProblem("override", "-", "-", f"folder {folder} does not exist")
            )
            return count, problems
        # A missing file in an owner-only locale folder shows up as TemplateNotFound here.
        owners = Renderer(settings)
        more, found = _check(owners, list(owners.locales), f"override {folder}")
        count += more
        problems.extend(found)
    return count, problems
