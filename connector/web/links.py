"""Signed links to the customer page: one per order, expiring, no login.

A token is ``base64url(json [shop, order id, expiry epoch]) . base64url(HMAC-SHA256)``, keyed with the
install's ``[web] secret``. It names one order of one shop; anyone holding it sees that order's page
(it travels in the customer's own email, like a tracking link), nobody can make one for another
order, and it stops working ``link_days`` after it was made or when the secret changes.

:meth:`OrderLinks.read` answers None for every token it will not honour — forged, tampered,
expired, malformed — so the page can answer them all the same way and tell an attacker nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.clock import Clock
from connector.settings import WebSettings

__all__ = ["LinkTarget", "OrderLinks"]


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """The order a valid token opens."""

    shop: str
    order_id: str
    expires: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class OrderLinks:
    """Makes and reads the customer page's links for one install."""

    def __init__(self, settings: WebSettings, clock: Clock) -> None:
        if settings.secret is None:
            raise ValueError("order links need [web] secret")
        self._key = settings.secret.reveal().encode()
        self._base = settings.public_url.rstrip("/")
        self._lifetime = timedelta(days=settings.link_days)
        self._clock = clock

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self._key, b"order-link:" + payload, hashlib.sha256).digest()

    def token(self, shop: str, order_id: str) -> str:
        """A token for ``order_id`` of ``shop``, valid ``link_days`` from now."""
        expires = int((self._clock() + self._lifetime).timestamp())
        payload = json.dumps([shop, order_id, expires], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def url(self, shop: str, order_id: str) -> str:
        """The page's full URL, as it goes into an email."""
        return f"{self._base}/orders/{self.token(shop, order_id)}"

    def form_token(self, token: str, action: str) -> str:
        """The hidden field a page's form carries for ``action`` on ``token``'s order.

        The link token already authorises the action; this second signature ties a form to the
        page that rendered it, so a form on another site cannot be aimed at a link it only guessed
        the shape of, and a replayed field for another action does not pass.
        """
        return _b64(self._signature(f"form:{action}:{token}".encode()))

    def check_form(self, token: str, action: str, value: str) -> bool:
        return hmac.compare_digest(self.form_token(token, action), value)

    def read(self, token: str) -> LinkTarget | None:
        """The order ``token`` opens now, or None (forged, tampered, expired or junk)."""
        head, dot, tail = token.partition(".")
        if not dot or len(token) > 2000:
            return None
        try:
            payload, signature = _unb64(head), _unb64(tail)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(signature, self._signature(payload)):
            return None
        try:
            shop, order_id, expires = json.loads(payload)
        except (ValueError, TypeError):
            return None
        if not (isinstance(shop, str) and isinstance(order_id, str) and isinstance(expires, int)):
            return None
        moment = datetime.fromtimestamp(expires, self._clock().tzinfo)
        if moment <= self._clock():
            return None
        return LinkTarget(shop, order_id, moment)
