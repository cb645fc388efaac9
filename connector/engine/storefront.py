"""What the storefront should show for each variant: selling policy, tags and an ETA label.

States: ``in_stock``; ``backorder`` (keeps selling, tagged, "Ships by <date>"); ``preorder`` (before
release, up to the limit); ``sold_out`` (no supply with a date covers more demand, or a cap is
reached: stops selling and says so, with a tag and a label, never silently); ``stopped`` (policy
``stop``: never sells out of stock, shows nothing of ours); ``unmanaged`` (untracked inventory).
Labels are written in the shop's locale (dates by Babel, phrases from a small table, English fallback).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from connector.engine.supply import Supply
from connector.model import InventoryPolicy, StockStatus, Variant
from connector.settings import PolicyMode, PolicySettings

__all__ = [
    "Availability",
    "Desired",
    "desired_storefront",
    "eta_label",
    "preordering",
    "ships_tag",
]


class Availability(enum.StrEnum):
    IN_STOCK = "in_stock"
    BACKORDER = "backorder"
    PREORDER = "preorder"
    SOLD_OUT = "sold_out"
    STOPPED = "stopped"
    UNMANAGED = "unmanaged"


@dataclass(frozen=True, slots=True)
class Desired:
    """The storefront the engine wants for one variant, and why."""

    state: Availability
    policy: InventoryPolicy | None = None
    tags: frozenset[str] = frozenset()
    eta_label: str | None = None
    eta_date: date | None = None
    capacity: int | None = None
    reason: str = ""


_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "ships_by": "Ships by {date}",
        "preorder": "Pre-order: ships by {date}",
        "within": "Ships within {days} days",
        "sold_out": "No longer taking backorders",
        "preorder_closed": "No longer taking pre-orders",
    },
    "sv": {
        "ships_by": "Skickas senast {date}",
        "preorder": "Förbeställning: skickas senast {date}",
        "within": "Skickas inom {days} dagar",
        "sold_out": "Vi tar inte längre emot restorder",
        "preorder_closed": "Vi tar inte längre emot förbeställningar",
    },
    "fr": {
        "ships_by": "Expédié d'ici le {date}",
        "preorder": "Précommande : expédié d'ici le {date}",
        "within": "Expédié sous {days} jours",
        "sold_out": "Nous ne prenons plus de commandes en réapprovisionnement",
        "preorder_closed": "Les précommandes sont closes",
    },
    "de": {
        "ships_by": "Versand bis {date}",
        "preorder": "Vorbestellung: Versand bis {date}",
        "within": "Versand innerhalb von {days} Tagen",
        "sold_out": "Keine Nachbestellungen mehr möglich",
        "preorder_closed": "Keine Vorbestellungen mehr möglich",
    },
    "es": {
        "ships_by": "Se envía antes del {date}",
        "preorder": "Preventa: se envía antes del {date}",
        "within": "Se envía en {days} días",
        "sold_out": "Ya no aceptamos pedidos pendientes",
        "preorder_closed": "Ya no aceptamos reservas",
    },
    "nl": {
        "ships_by": "Verzonden vóór {date}",
        "preorder": "Pre-order: verzonden vóór {date}",
        "within": "Verzonden binnen {days} dagen",
        "sold_out": "Geen nabestellingen meer mogelijk",
        "preorder_closed": "Geen pre-orders meer mogelijk",
    },
    "it": {
        "ships_by": "Spedito entro il {date}",
        "preorder": "Preordine: spedito entro il {date}",
        "within": "Spedito entro {days} giorni",
        "sold_out": "Non accettiamo più ordini in arretrato",
        "preorder_closed": "Non accettiamo più preordini",
    },
}


@lru_cache(maxsize=64)
def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@lru_cache(maxsize=4096)
def eta_label(kind: str, locale: str, when: date | None = None, days: int = 0) -> str:
    """A storefront label in the shop's locale: ``kind`` is ships_by, preorder, within, sold_out..."""
    babel_locale = _locale(locale)
    phrases = _PHRASES.get(babel_locale.language, _PHRASES["en"])
    text = phrases.get(kind, _PHRASES["en"][kind])
    shown = format_date(when, format="long", locale=babel_locale) if when else ""
    return text.format(date=shown, days=days)


def preordering(policy: PolicySettings, release: date | None, today: date) -> bool:
    """Whether the variant sells as a pre-order today: a release date still ahead (the policy's or
    the product's own) under any policy but ``stop``."""
    return release is not None and today < release and policy.mode is not PolicyMode.STOP


def ships_tag(policy: PolicySettings, when: date) -> str:
    return policy.ships_tag_format.format(year=when.year, month=when.month, day=when.day)


def desired_storefront(
    variant: Variant,
    policy: PolicySettings,
    *,
    supply: Supply,
    waiting_units: int,
    preorder_units: int,
    next_eta: date | None,
    today: date,
    release: date | None,
    locale: str,
) -> Desired:
    """What ``variant`` should show, given its queue (``waiting_units`` not yet allocated,
    ``preorder_units`` taken on pre-order) and ``next_eta``, the ETA one more unit sold now would get.
    """
    if release is not None and preordering(policy, release, today):
        # Nothing ships before release, so stock on hand (or untracked stock) changes nothing
        # the customer sees: the product is a pre-order until then.
        wanted = _preorder(policy, preorder_units, next_eta, release, locale)
        if not variant.tracked:
            if variant.untracked_status is StockStatus.OUT_OF_STOCK:
                # Nobody can order it: a pre-order label would promise what the shop refuses.
                return _not_selling(policy)
            # Untracked stock sells as its owner set it, and a selling policy would switch stock
            # tracking on (WooCommerce's backorders need manage_stock): tags and label only.
            return replace(wanted, policy=None)
        return wanted
    if not variant.tracked:
        return _untracked(variant, policy, supply=supply, next_eta=next_eta, locale=locale)
    if policy.mode is PolicyMode.STOP:
        return Desired(
            Availability.STOPPED, InventoryPolicy.DENY, reason=f"policy {policy.name}: stop"
        )
    capacity = _backorder_capacity(
        policy, supply=supply, waiting_units=waiting_units, next_eta=next_eta, today=today
    )
    selling = InventoryPolicy.CONTINUE if capacity > 0 else InventoryPolicy.DENY
    if variant.available > 0:
        return Desired(Availability.IN_STOCK, selling, capacity=capacity, reason="in stock")
    if capacity <= 0:
        return Desired(
            Availability.SOLD_OUT,
            InventoryPolicy.DENY,
            frozenset({policy.sold_out_tag}) if policy.sold_out_tag else frozenset(),
            eta_label("sold_out", locale),
            None,
            capacity=0,
            reason=_sold_out_reason(policy, supply, next_eta, today),
        )
    tags = {policy.backorder_tag} if policy.backorder_tag else set()
    if supply.lead_time_days is not None and not supply.dated:
        days = supply.lead_time_days + policy.handling_days
        label, shown = eta_label("within", locale, None, days), None
    else:
        assert next_eta is not None  # capacity > 0 needs a date
        label, shown = eta_label("ships_by", locale, next_eta), next_eta
        tags.add(ships_tag(policy, next_eta))
    return Desired(
        Availability.BACKORDER,
        InventoryPolicy.CONTINUE,
        frozenset(tags),
        label,
        shown,
        capacity=capacity,
        reason=f"backorder: {capacity if capacity < 1 << 40 else 'no'} more units covered",
    )


def _not_selling(policy: PolicySettings) -> Desired:
    return Desired(
        Availability.STOPPED,
        reason="not selling: marked out of stock by hand, stock not managed; turn on stock "
        f"management to sell it under policy {policy.name}",
    )


def _untracked(
    variant: Variant,
    policy: PolicySettings,
    *,
    supply: Supply,
    next_eta: date | None,
    locale: str,
) -> Desired:
    """An uncounted variant sells as its owner set it; we never switch its stock management on.

    ``in_stock``: unlimited, nothing of ours. ``out_of_stock``: not selling, nothing of ours (no
    label promising a date on a product nobody can order). ``backorder``: every unit sold waits,
    so it carries our backorder tag and the date the next unit would get, when supply gives one.
    """
    status = variant.untracked_status
    if status is StockStatus.IN_STOCK:
        return Desired(Availability.UNMANAGED, reason="inventory not tracked")
    if status is StockStatus.OUT_OF_STOCK:
        return _not_selling(policy)
    if policy.mode is PolicyMode.STOP:
        return Desired(
            Availability.STOPPED,
            reason=f"sold on backorder by hand, stock not managed: policy {policy.name} (stop) "
            "would need stock management switched on",
        )
    tags = {policy.backorder_tag} if policy.backorder_tag else set()
    label, shown = None, None
    if next_eta is not None:
        label, shown = eta_label("ships_by", locale, next_eta), next_eta
        tags.add(ships_tag(policy, next_eta))
    elif supply.lead_time_days is not None:
        label = eta_label("within", locale, None, supply.lead_time_days + policy.handling_days)
    return Desired(
        Availability.BACKORDER,
        None,
        frozenset(tags),
        label,
        shown,
        reason="sold on backorder by hand, stock not managed: every unit sold waits",
    )


_UNLIMITED = 1 << 50


def _backorder_capacity(
    policy: PolicySettings,
    *,
    supply: Supply,
    waiting_units: int,
    next_eta: date | None,
    today: date,
) -> int:
    """How many more units may be sold on backorder now."""
    if policy.mode is PolicyMode.STOP:
        return 0
    if next_eta is None:
        if policy.cap_to_incoming or not supply.dated:
            return 0
        next_eta = supply.dated[-1][0] + timedelta(days=policy.handling_days)
    if (next_eta - today).days > policy.max_wait_days:
        return 0
    if supply.lead_time_days is not None and not supply.dated:
        capacity = _UNLIMITED
    elif policy.cap_to_incoming:
        last = today + timedelta(days=policy.max_wait_days - policy.handling_days)
        capacity = supply.dated_until(last) - waiting_units
    else:
        capacity = _UNLIMITED
    if policy.max_backorder_units is not None:
        capacity = min(capacity, policy.max_backorder_units - waiting_units)
    return max(capacity, 0)


def _sold_out_reason(
    policy: PolicySettings, supply: Supply, next_eta: date | None, today: date
) -> str:
    if next_eta is None:
        return "sold out: no supply with a date covers more demand"
    if (next_eta - today).days > policy.max_wait_days:
        return f"sold out: the wait would pass {policy.max_wait_days} days"
    return "sold out: the backorder cap is reached"


def _preorder(
    policy: PolicySettings,
    preorder_units: int,
    next_eta: date | None,
    release: date,
    locale: str,
) -> Desired:
    limit = policy.preorder_limit
    capacity = _UNLIMITED if limit is None else max(0, limit - preorder_units)
    shown = next_eta
    if capacity <= 0 or shown is None:
        return Desired(
            Availability.SOLD_OUT,
            InventoryPolicy.DENY,
            frozenset({policy.sold_out_tag}) if policy.sold_out_tag else frozenset(),
            eta_label("preorder_closed", locale),
            None,
            capacity=0,
            reason="pre-order limit reached"
            if capacity <= 0
            else "pre-order: no supply covers more",
        )
    tags = {tag for tag in (policy.preorder_tag,) if tag} | {ships_tag(policy, shown)}
    return Desired(
        Availability.PREORDER,
        InventoryPolicy.CONTINUE,
        frozenset(tags),
        eta_label("preorder", locale, shown),
        shown,
        capacity=capacity,
        reason=f"pre-order until {release.isoformat()}",
    )
