"""Notification + shop branding -> a rendered email (subject, HTML part, text part, headers).

The templates see one context, the same for every event (see :func:`build_context`), so a store owner
who writes their own folder can rely on it. Nothing here touches the network or the database.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import TemplateError

from connector.errors import SkippableError
from connector.model import Money, Notification, NotificationKind, NotificationLine
from connector.notify.environment import make_environment, template_name
from connector.notify.formatting import LocaleChoice, resolve_locale
from connector.settings import Branding, EmailSettings, ShopSettings
from templates import PARTS, TEMPLATES_DIR, locales_in

__all__ = [
    "Alternative",
    "RenderError",
    "RenderedEmail",
    "Renderer",
    "build_context",
    "make_message_id",
    "recipient",
]

_POLICY = email.policy.default.clone(max_line_length=998)
"""Long URL headers (List-Unsubscribe) must stay raw: folding at 78 would turn them into encoded
words, which RFC 2369 readers do not decode."""
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


class RenderError(SkippableError):
    """A template failed for this one message (missing variable, typo, bad override)."""


@dataclass(frozen=True, slots=True)
class Alternative:
    """An in-stock product a waiting customer could take instead (same collection or tag)."""

    title: str
    url: str = ""
    price: Money | None = None


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """One message ready to send: the parts and the headers that do not change between attempts."""

    subject: str
    html: str
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)
    locale: str = "en"

    def to_message(self, message_id: str, sent_at: datetime) -> EmailMessage:
        """A ``multipart/alternative`` message (text first, HTML preferred) with every header."""
        message = EmailMessage(policy=_POLICY)
        for name, value in self.headers.items():
            message[name] = value
        message["Subject"] = self.subject
        message["Message-ID"] = message_id
        message["Date"] = format_datetime(sent_at)
        message.set_content(self.text, subtype="plain", charset="utf-8")
        message.add_alternative(self.html, subtype="html", charset="utf-8")
        return message


def make_message_id(idempotency_key: str, from_address: str) -> str:
    """A Message-ID derived from the idempotency key alone: the same message always has the same id."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = from_address.rpartition("@")[2] or "backorder-connector.invalid"
    return f"<{digest}@{domain}>"


def recipient(notification: Notification, settings: EmailSettings) -> str:
    """Who gets the message: the notification's address, or for a digest without one the owner's."""
    if notification.kind is NotificationKind.DIGEST and not notification.email:
        return settings.owner_email
    return notification.email


def _safe_colour(value: str, default: str) -> str:
    # Colours land inside style attributes; anything but a hex colour could break out of them.
    return value if _HEX_COLOUR.match(value) else default


def _safe_url(value: str) -> str:
    return value if value.startswith(("https://", "http://")) else ""


def shop_context(shop: ShopSettings, settings: EmailSettings) -> dict[str, str]:
    branding = shop.branding
    defaults = Branding()
    contact = (
        branding.support_email or branding.reply_to or settings.reply_to or settings.from_address
    )
    return {
        "name": branding.name or shop.name,
        "logo_url": _safe_url(branding.logo_url),
        "primary_color": _safe_colour(branding.primary_color, defaults.primary_color),
        "accent_color": _safe_colour(branding.accent_color, defaults.accent_color),
        "support_email": contact,
        "website_url": _safe_url(branding.website_url or shop.url),
    }


def _total(lines: Iterable[NotificationLine]) -> Money | None:
    """The value of ``lines``, or None when a price is missing or currencies differ."""
    total: Money | None = None
    for line in lines:
        if line.price is None:
            return None
        value = line.price * line.quantity
        if total is None:
            total = value
        elif total.currency != value.currency:
            return None
        else:
            total = Money(total.amount + value.amount, total.currency)
    return total


def _refunded(lines: Iterable[NotificationLine]) -> Money | None:
    """What the shop recorded as refunded for ``lines``; None when nothing (or mixed currencies)."""
    total: Money | None = None
    for line in lines:
        if line.refunded is None:
            continue
        if total is None:
            total = line.refunded
        elif total.currency != line.refunded.currency:
            return None
        else:
            total = Money(total.amount + line.refunded.amount, total.currency)
    return total if total is not None and total.amount > 0 else None


def unsubscribe_targets(
    notification: Notification, shop: ShopSettings, settings: EmailSettings, order_url: str = ""
) -> tuple[str, str]:
    """(link for the mail body, ``List-Unsubscribe`` header value) for reminder mails.

    The web link is the customer page's own (``{order_url}/unsubscribe``, which records the choice
    in one click) when the page is on, else ``EmailSettings.unsubscribe_url`` with the shop and
    address as query parameters; the mailto goes to the shop's reply address, so a store owner can
    always honour it by hand or with :meth:`Outbox.unsubscribe`.
    """
    contact = (
        shop.branding.reply_to
        or settings.reply_to
        or shop.branding.support_email
        or settings.from_address
    )
    mailto = f"mailto:{contact}?subject={quote(f'unsubscribe {shop.name} {notification.email}')}"
    web = f"{order_url}/unsubscribe" if order_url else ""
    if not web and settings.unsubscribe_url:
        sep = "&" if "?" in settings.unsubscribe_url else "?"
        web = f"{settings.unsubscribe_url}{sep}{urlencode({'shop': shop.name, 'email': notification.email})}"
    header = ", ".join(f"<{target}>" for target in (web, mailto) if target)
    return (web or mailto), header


def build_context(
    notification: Notification,
    shop: ShopSettings,
    settings: EmailSettings,
    choice: LocaleChoice,
    alternatives: Sequence[Alternative] = (),
    *,
    order_url: str = "",
) -> dict[str, Any]:
    """Everything a template may use. Every key is always present (templates run StrictUndefined).

    ``order_url`` is the customer page of the order (a signed link), or "" when none is configured.
    """
    waiting = [line for line in notification.lines if not line.ships_now]
    shipping = [line for line in notification.lines if line.ships_now]
    unsubscribe_url = ""
    if notification.kind is NotificationKind.REMINDER:
        unsubscribe_url, _ = unsubscribe_targets(notification, shop, settings, order_url)
    return {
        "locale": choice.babel,
        "lang": choice.folder.split("_", 1)[0],
        "kind": notification.kind.value,
        "shop": shop_context(shop, settings),
        "customer": {"name": notification.name, "email": notification.email},
        "order": {"id": notification.order_id, "number": notification.order_number},
        "lines": list(notification.lines),
        "waiting": waiting,
        "shipping_now": shipping,
        "waiting_total": _total(waiting),
        "total": _total(notification.lines),
        # Money the shop recorded as refunded: the only refund a mail may state.
        "refunded_total": _refunded(notification.lines),
        "promised_date": notification.promised_date,
        "release_date": notification.release_date,
        "consent_by": notification.consent_by,
        "old_promised_date": notification.old_promised_date,
        "reason": notification.reason,
        "reorder": notification.reorder,
        "choices": notification.choices,
        "payment_terms": notification.payment_terms,
        "payment_url": _safe_url(notification.payment_url),
        "discount_code": notification.discount_code,
        "amount": notification.amount,
        "amount_due": notification.amount_due,
        "money_at_risk": list(notification.money_at_risk),
        "balances_due": list(notification.balances_due),
        "alternatives": list(alternatives),
        "unsubscribe_url": unsubscribe_url,
        "order_url": order_url,
        # The digest's three sections, by the convention documented in docs/emails.md.
        "delays": [line for line in notification.lines if line.old_eta is not None],
        "stopped_selling": [
            line for line in notification.lines if line.quantity == 0 and line.old_eta is None
        ],
        "new_backorders": [
            line for line in notification.lines if line.quantity > 0 and line.old_eta is None
        ],
    }


class Renderer:
    """Renders notifications with the one environment (ours, or the owner's folder over ours)."""

    def __init__(
        self,
        settings: EmailSettings | None = None,
        order_link: Callable[[str, str], str] | None = None,
    ) -> None:
        """``order_link(shop, order_id)`` makes the customer page's signed URL (None: no page)."""
        self.settings = settings or EmailSettings()
        self.order_link = order_link
        self.environment = make_environment(self.settings.templates_dir)
        folders = set(locales_in(TEMPLATES_DIR))
        if self.settings.templates_dir:
            folders.update(locales_in(Path(self.settings.templates_dir).expanduser()))
        self.locales: tuple[str, ...] = tuple(sorted(folders))

    def choose_locale(self, notification: Notification, shop: ShopSettings) -> LocaleChoice:
        return resolve_locale(notification.locale, shop.locale, self.locales)

    def render_parts(
        self, folder: str, event: str, context: Mapping[str, Any]
    ) -> tuple[str, str, str]:
        """(subject, html, text) of one event in one locale folder; raises :class:`RenderError`."""
        try:
            subject, html, text = (
                self.environment.get_template(template_name(folder, event, part)).render(context)
                for part in PARTS
            )
        except TemplateError as error:
            where = (
                getattr(error, "name", None)
                or getattr(error, "filename", None)
                or f"{folder}/{event}"
            )
            line = getattr(error, "lineno", None)
            at = f"{where}:{line}" if line else str(where)
            raise RenderError(f"template {at}: {type(error).__name__}: {error}") from error
        except (TypeError, ValueError, AttributeError, KeyError) as error:
            raise RenderError(
                f"template {folder}/{event}: {type(error).__name__}: {error}"
            ) from error
        # A subject is one header line: newlines in it would be header injection.
        subject = _WHITESPACE.sub(" ", subject).strip()
        # Conditional blocks leave runs of blank lines behind; a reader sees at most one.
        text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
        if not subject:
            raise RenderError(f"template {folder}/{event}: the subject rendered empty")
        return subject, html, text

    def render(
        self,
        notification: Notification,
        shop: ShopSettings,
        alternatives: Sequence[Alternative] = (),
    ) -> RenderedEmail:
        """Render one notification for ``shop``; raises :class:`RenderError` when a template fails."""
        choice = self.choose_locale(notification, shop)
        order_url = ""
        if (
            self.order_link is not None
            and notification.order_id
            and notification.kind is not NotificationKind.DIGEST
        ):
            order_url = self.order_link(shop.name, notification.order_id)
        context = build_context(
            notification, shop, self.settings, choice, alternatives, order_url=order_url
        )
        subject, html, text = self.render_parts(choice.folder, notification.kind.value, context)
        return RenderedEmail(
            subject=subject,
            html=html,
            text=text,
            headers=self.headers(notification, shop, order_url),
            locale=choice.folder,
        )

    def headers(
        self, notification: Notification, shop: ShopSettings, order_url: str = ""
    ) -> dict[str, str]:
        """From, To, Reply-To and, for reminders, List-Unsubscribe (RFC 2369 / RFC 8058)."""
        settings = self.settings
        headers = {
            "From": formataddr((shop.branding.name or shop.name, settings.from_address)),
            "To": formataddr((notification.name, recipient(notification, settings))),
            "Auto-Submitted": "auto-generated",
            "X-Connector-Kind": notification.kind.value,
        }
        reply_to = shop.branding.reply_to or settings.reply_to or shop.branding.support_email
        if reply_to:
            headers["Reply-To"] = reply_to
        if notification.kind is NotificationKind.REMINDER:
            web, header = unsubscribe_targets(notification, shop, settings, order_url)
            headers["List-Unsubscribe"] = header
            if web.startswith("https://"):
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers
