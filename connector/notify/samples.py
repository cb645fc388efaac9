"""Sample notifications and a sample shop, for `connector emails check`, previews, snapshots and benches.

The samples exercise every branch a template has: lines that wait and lines that ship now, a line
without a date, a reason, a discount code, alternatives, and all three digest sections.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from connector.model import (
    ChoiceCounts,
    Money,
    MoneyAtRisk,
    Notification,
    NotificationKind,
    NotificationLine,
    Platform,
    ReorderDue,
)
from connector.notify.render import Alternative
from connector.settings import Branding, ShopSettings

__all__ = ["SAMPLE_ALTERNATIVES", "sample_alternatives", "sample_notification", "sample_shop"]

_CURRENCY_BY_LANGUAGE = {
    "sv": "SEK",
    "en": "USD",
    "de": "EUR",
    "fr": "EUR",
    "nb": "NOK",
    "da": "DKK",
}

# Every text a sample puts inside an email, per language: a Swedish preview must not show an
# English reason or product name. Languages missing here use English.
_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "sofa": "Linen sofa, 3-seat",
        "cushion": "Linen cushion",
        "throw": "Wool throw",
        "lamp": "Arc floor lamp",
        "chair": "Oak dining chair",
        "rug": "Wool rug, large",
        "armchair": "Oslo armchair, oat",
        "bergen": "Bergen sofa, charcoal",
        "reason": "Our supplier's factory closed for two weeks after a flood.",
        "terms": "Paid in full at checkout",
        "unheld": "order #1038: the fulfillment service does not accept holds",
    },
    "sv": {
        "sofa": "Linnesoffa, 3-sits",
        "cushion": "Linnekudde",
        "throw": "Ullpläd",
        "lamp": "Golvlampa, båge",
        "chair": "Matstol i ek",
        "rug": "Ullmatta, stor",
        "armchair": "Oslo fåtölj, havre",
        "bergen": "Bergen soffa, kol",
        "reason": "Vår leverantörs fabrik var stängd i två veckor efter en översvämning.",
        "terms": "Betalat i sin helhet i kassan",
        "unheld": "order #1038: the fulfillment service does not accept holds",
    },
}


def _texts(locale: str | None) -> dict[str, str]:
    language = (locale or "en").replace("-", "_").split("_", 1)[0].lower()
    return _TEXTS.get(language, _TEXTS["en"])


def sample_alternatives(
    locale: str | None = "en", currency: str = "USD"
) -> tuple[Alternative, ...]:
    """In-stock alternatives for a sample, named in ``locale``'s language, priced in ``currency``."""
    texts = _texts(locale)
    return (
        Alternative(
            texts["armchair"],
            "https://example.com/products/oslo-oat",
            Money(Decimal("449.00"), currency),
        ),
        Alternative(texts["bergen"], "https://example.com/products/bergen", None),
    )


SAMPLE_ALTERNATIVES = sample_alternatives("en", "USD")
"""The English, USD alternatives, for tests and the render bench."""


def sample_shop(locale: str = "en", currency: str | None = None) -> ShopSettings:
    """A branded demo shop; the currency follows the locale's language unless given."""
    language = locale.replace("-", "_").split("_", 1)[0]
    return ShopSettings(
        name="nordic-living",
        platform=Platform.SHOPIFY,
        url="https://nordic-living.example.com",
        currency=currency or _CURRENCY_BY_LANGUAGE.get(language, "USD"),
        locale=locale,
        branding=Branding(
            name="Nordic Living",
            logo_url="https://nordic-living.example.com/logo.png",
            primary_color="#1f3a5f",
            accent_color="#c2410c",
            support_email="help@nordic-living.example.com",
            reply_to="help@nordic-living.example.com",
            website_url="https://nordic-living.example.com",
        ),
    )


def sample_notification(
    kind: NotificationKind | str,
    locale: str | None = "en",
    order_number: str = "#1042",
    currency: str = "USD",
    email: str = "ada@example.com",
) -> Notification:
    """A realistic notification of ``kind``; every optional field is filled so every branch renders.

    Product names, the reason and the payment terms are in ``locale``'s language when we have it.
    """
    kind = NotificationKind(kind)
    texts = _texts(locale)
    price = Money(Decimal("1299.00"), currency)
    small = Money(Decimal("89.50"), currency)
    lines: tuple[NotificationLine, ...]
    if kind is NotificationKind.DIGEST:
        lines = (
            NotificationLine(
                "d1", "SOFA-LIN-3", texts["sofa"], 4, eta=date(2027, 1, 15), price=price
            ),
            NotificationLine("d2", "LAMP-ARC", texts["lamp"], 2, eta=None, price=small),
            NotificationLine(
                "d3",
                "CHAIR-OAK",
                texts["chair"],
                6,
                eta=date(2027, 2, 1),
                old_eta=date(2027, 1, 10),
            ),
            NotificationLine("d4", "RUG-WOOL-L", texts["rug"], 0),
        )
        return Notification(
            shop="nordic-living",
            kind=kind,
            order_id="",
            order_number="",
            email="owner@nordic-living.example.com",
            name="Nordic Living",
            locale=locale,
            lines=lines,
            created_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
            promised_date=date(2026, 11, 20),
            # The platform's own words on a refused hold stay as the platform said them.
            reason=texts["unheld"],
            reorder=ReorderDue(units=12, skus=2, first_by=date(2026, 11, 23)),
            choices=ChoiceCounts(kept_waiting=3, customer_cancels=1, deadline_cancels=1),
            money_at_risk=(
                MoneyAtRisk(
                    "#1042",
                    price,
                    datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
                    date(2027, 1, 15),
                    "act",
                    "tell_owner",
                ),
            ),
            balances_due=(
                MoneyAtRisk(
                    "#1051",
                    _balance_sample(NotificationKind.BALANCE_FAILED, price.currency)[1] or price,
                    datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
                    None,
                    "balance",
                    "hold",
                    "Your card was declined.",
                ),
            ),
        )
    delayed = kind in (NotificationKind.DELAY, NotificationKind.DELAY_CONSENT)
    lines = (
        NotificationLine(
            "gid://shopify/LineItem/1",
            "SOFA-LIN-3",
            texts["sofa"],
            1,
            eta=date(2027, 1, 29) if delayed else date(2026, 12, 18),
            old_eta=date(2026, 12, 18) if delayed else None,
            price=price,
        ),
        NotificationLine(
            "gid://shopify/LineItem/2",
            "CUSH-LIN",
            texts["cushion"],
            2,
            eta=None,
            old_eta=date(2026, 12, 18) if delayed else None,
            price=small,
        ),
    )
    if kind is NotificationKind.BACKORDER_CONFIRMATION:
        lines = (
            *lines,
            NotificationLine(
                "gid://shopify/LineItem/3",
                "THROW-WOOL",
                texts["throw"],
                1,
                ships_now=True,
                price=small,
            ),
        )
    if kind is NotificationKind.CANCELLATION:
        # The cushions' line was partly shipped: the mail says the others went out.
        lines = (lines[0], replace(lines[1], shipped=1))
    if kind is NotificationKind.SWAP_CONFIRMATION:
        # The cushions waited; the throw, in stock and cheaper, ships instead.
        lines = (
            NotificationLine(
                "gid://shopify/LineItem/2",
                "CUSH-LIN",
                texts["cushion"],
                2,
                price=small,
                refunded=Money(Decimal("20.00"), currency),
            ),
            NotificationLine(
                "gid://shopify/LineItem/3", "THROW-WOOL", texts["throw"], 2, ships_now=True
            ),
        )
    return Notification(
        shop="nordic-living",
        kind=kind,
        order_id="gid://shopify/Order/1042",
        order_number=order_number,
        email=email,
        name="Ada Lovelace",
        locale=locale,
        lines=lines,
        created_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        promised_date=date(2027, 1, 29) if delayed else date(2026, 12, 18),
        old_promised_date=date(2026, 12, 18) if delayed else None,
        reason=texts["reason"] if delayed else "",
        payment_terms=texts["terms"] if kind is NotificationKind.PREORDER_CONFIRMATION else "",
        discount_code="SORRY-1042-X7Q" if delayed else "",
        release_date=date(2026, 12, 15) if kind is NotificationKind.PREORDER_CONFIRMATION else None,
        payment_url=(
            "https://nordic-living.example.com/checkout/order-pay/1042/?pay_for_order=true"
            "&key=wc_order_SAMPLE"
            if kind is NotificationKind.PAYMENT_DUE
            else ""
        ),
        amount=Money(Decimal("1478.00"), currency)
        if kind is NotificationKind.PAYMENT_CAPTURED
        else _balance_sample(kind, currency)[0],
        amount_due=_balance_sample(kind, currency)[1],
        consent_by=date(2027, 1, 17) if kind is NotificationKind.DELAY_CONSENT else None,
    )


def _balance_sample(kind: NotificationKind, currency: str) -> tuple[Money | None, Money | None]:
    """(charged or paid so far, still due) of a 20 % deposit pre-order of 1,478.00."""
    if kind is NotificationKind.BALANCE_CHARGED:
        return Money(Decimal("1182.40"), currency), Money(Decimal(0), currency)
    if kind is NotificationKind.BALANCE_FAILED:
        return Money(Decimal("295.60"), currency), Money(Decimal("1182.40"), currency)
    return None, None
