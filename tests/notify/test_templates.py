"""Every template renders in every locale; a broken one fails here, not in a customer's inbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connector.model import Money, NotificationKind
from connector.notify.check import check_templates
from connector.notify.formatting import format_date, format_money, resolve_locale
from connector.notify.render import Renderer, RenderError
from connector.notify.samples import SAMPLE_ALTERNATIVES, sample_notification, sample_shop
from connector.settings import EmailSettings
from templates import EVENTS, TEMPLATES_DIR, locales_in

LOCALES = locales_in(TEMPLATES_DIR)


def test_english_and_swedish_ship_with_every_event() -> None:
    assert {"en", "sv"} <= set(LOCALES)
    for locale in LOCALES:
        for event in EVENTS:
            for part in ("subject", "html", "txt"):
                assert (TEMPLATES_DIR / locale / f"{event}.{part}.j2").is_file()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_template_renders_in_every_locale(locale: str, event: str) -> None:
    shop = sample_shop(locale)
    notification = sample_notification(event, locale, currency=shop.currency)
    mail = Renderer().render(notification, shop, SAMPLE_ALTERNATIVES)
    assert mail.locale == locale
    assert mail.subject and "\n" not in mail.subject
    assert mail.html.startswith("<!DOCTYPE html>") and f'lang="{locale}"' in mail.html
    assert "Nordic Living" in mail.text and "help@nordic-living.example.com" in mail.text
    assert "{{" not in mail.text and "{%" not in mail.html


def test_the_shipped_templates_pass_the_check() -> None:
    count, problems = check_templates(EmailSettings())
    assert problems == []
    assert count == len(LOCALES) * len(EVENTS) * 2


def test_html_is_built_to_survive_mail_clients() -> None:
    mail = Renderer().render(sample_notification("backorder_confirmation"), sample_shop("en"))
    html = mail.html
    assert "<style" not in html  # every style inline: Gmail and Outlook drop <style> blocks
    assert 'role="presentation"' in html and "<table" in html  # table layout
    assert "display:none" in html and "Here is what ships now, what waits" in html  # preheader
    assert '<img src="https://nordic-living.example.com/logo.png" alt="Nordic Living"' in html
    assert "background-color:#1f3a5f" in html  # the shop's own colour
    assert "<script" not in html


def test_customer_data_is_escaped_in_html_but_readable_in_text() -> None:
    hostile = replace(
        sample_notification("delay"), name='<b>Eve</b> & "Co"', reason="<script>x</script>"
    )
    mail = Renderer().render(hostile, sample_shop("en"))
    assert "<script>x</script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp;" in mail.html
    assert 'Hi <b>Eve</b> & "Co",' in mail.text


def test_branding_colours_that_are_not_colours_are_ignored() -> None:
    shop = sample_shop("en")
    shop = replace(shop, branding=replace(shop.branding, primary_color='red;" onload="x'))
    html = Renderer().render(sample_notification("reminder"), shop).html
    assert "onload" not in html and "background-color:#1f2937" in html


@pytest.mark.parametrize(
    ("requested", "shop_locale", "folder", "babel"),
    [
        ("sv_SE", "en", "sv", "sv_SE"),
        ("sv-SE", "en", "sv", "sv_SE"),
        (None, "sv", "sv", "sv"),
        ("de_DE", "sv", "sv", "sv"),  # no German folder: the shop's locale
        ("de", "fi", "en", "en"),  # neither has a folder: English
        ("", "", "en", "en"),
    ],
)
def test_locale_falls_back_customer_then_shop_then_english(
    requested: str | None, shop_locale: str, folder: str, babel: str
) -> None:
    choice = resolve_locale(requested, shop_locale, LOCALES)
    assert (choice.folder, choice.babel) == (folder, babel)


def test_dates_and_money_follow_the_locale() -> None:
    assert format_date(date(2027, 1, 29), "sv_SE") == "29 januari 2027"
    assert format_date(date(2027, 1, 29), "en") == "January 29, 2027"
    assert format_money(Money(Decimal("1299.5"), "SEK"), "sv_SE") == "1\xa0299,50\xa0kr"
    assert format_money(Money(Decimal("1299.5"), "USD"), "en") == "$1,299.50"
    assert format_money(Money(Decimal("1299.5"), "EUR"), "de_DE") == "1.299,50\xa0€"


def write(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


def test_an_owner_override_replaces_one_file_and_keeps_the_rest(tmp_path: Path) -> None:
    write(tmp_path, "en/delay.subject.j2", "Sorry {{ customer.name }}, {{ promised_date | date }}")
    renderer = Renderer(EmailSettings(templates_dir=str(tmp_path)))
    mail = renderer.render(sample_notification("delay"), sample_shop("en"))
    assert mail.subject == "Sorry Ada Lovelace, January 29, 2027"
    assert "We are sorry" in mail.text  # our body, untouched


def test_an_owner_can_add_a_locale_by_adding_a_folder(tmp_path: Path) -> None:
    for event in EVENTS:
        for part in ("subject", "html", "txt"):
            source = (TEMPLATES_DIR / "en" / f"{event}.{part}.j2").read_text(encoding="utf-8")
            write(tmp_path, f"de/{event}.{part}.j2", source.replace("Hi ", "Hallo "))
    settings = EmailSettings(templates_dir=str(tmp_path))
    mail = Renderer(settings).render(
        sample_notification("reminder", "de_DE", currency="EUR"), sample_shop("de")
    )
    assert mail.locale == "de" and mail.text.startswith("Hallo Ada")
    assert "18. Dezember 2026" in mail.text  # German dates from Babel
    assert check_templates(settings)[1] == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{{ order.numbr }}", "numbr"),  # a typo: StrictUndefined, never a blank
        ("{{ no_such_variable }}", "no_such_variable"),
        ("{% if customer.name %}unclosed", "TemplateSyntaxError"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "SecurityError"),  # sandboxed
    ],
)
def test_a_broken_owner_template_is_an_error_and_reported_by_the_check(
    tmp_path: Path, body: str, expected: str
) -> None:
    write(tmp_path, "sv/delay.txt.j2", body)
    settings = EmailSettings(templates_dir=str(tmp_path))
    with pytest.raises(RenderError, match=expected):
        Renderer(settings).render(
            sample_notification(NotificationKind.DELAY, "sv"), sample_shop("sv")
        )
    _, problems = check_templates(settings)
    assert [(p.locale, p.event) for p in problems] == [("sv", "delay")]
    assert expected in problems[0].message


def test_a_missing_override_folder_is_reported(tmp_path: Path) -> None:
    _, problems = check_templates(EmailSettings(templates_dir=str(tmp_path / "nope")))
    assert problems and "does not exist" in problems[0].message
