"""Dates, money and locale choice for customer emails, per locale, with Babel.

Locale names arrive in every spelling a platform uses (``sv``, ``sv_SE``, ``sv-SE``, ``SV-se``); they
are normalised once here. The template folder is chosen from the most specific name down to the
language (``sv_SE`` -> ``sv_SE/`` or else ``sv/``), while dates and money keep the full locale so a
Swiss-German customer still sees ``CHF`` written the Swiss way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency

from connector.model import Money

__all__ = ["FALLBACK_LOCALE", "LocaleChoice", "format_date", "format_money", "resolve_locale"]

FALLBACK_LOCALE = "en"


@dataclass(frozen=True, slots=True)
class LocaleChoice:
    """Which template folder to use and which locale formats dates and money."""

    folder: str
    babel: str


def _normalise(name: str) -> str:
    """``sv-se`` -> ``sv_SE``; anything Babel cannot parse is returned lower-cased as is."""
    cleaned = name.strip().replace("-", "_")
    try:
        return str(Locale.parse(cleaned))
    except (ValueError, UnknownLocaleError):
        return cleaned.lower()


@lru_cache(maxsize=256)
def _babel_locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(FALLBACK_LOCALE)


def resolve_locale(
    requested: str | None, shop_locale: str | None, available: Iterable[str]
) -> LocaleChoice:
    """Pick the template folder: the customer's locale, then the shop's, then ``en``.

    Each candidate is tried as written (``sv_SE``) and then by its language (``sv``); the first
    folder that exists wins. Formatting uses the candidate that matched, in full.
    """
    folders = set(available)
    for candidate in (requested, shop_locale):
        if not candidate or not candidate.strip():
            continue
        full = _normalise(candidate)
        language = full.split("_", 1)[0]
        for folder in (full, language):
            if folder in folders:
                return LocaleChoice(folder=folder, babel=str(_babel_locale(full)))
    return LocaleChoice(folder=FALLBACK_LOCALE, babel=FALLBACK_LOCALE)


def format_date(value: date | datetime, locale: str, style: str = "long") -> str:
    """A date as the customer's locale writes it (``December 4, 2026`` / ``4 december 2026``)."""
    if isinstance(value, datetime):
        value = value.date()
    return str(babel_format_date(value, format=style, locale=_babel_locale(locale)))


def format_money(value: Money, locale: str) -> str:
    """An amount with its currency as the customer's locale writes it (``$1,299.00`` / ``1 299,00 kr``)."""
    return str(format_currency(value.amount, value.currency, locale=_babel_locale(locale)))
