"""Access tokens: a static ``shpat_`` token, or the client-credentials grant (24 h, kept in memory).

The client-credentials token is asked for again shortly before it expires and once after a 401. It
lives only in this object, never on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import requests

from connector.clock import Clock
from connector.errors import (
    AuthError,
    ConfigError,
    ConfigProblem,
    PlatformDetails,
    PlatformRetryable,
)
from connector.settings import ShopSettings

__all__ = ["TokenProvider", "base_url"]

RENEW_BEFORE = timedelta(minutes=5)


def base_url(shop: ShopSettings) -> str:
    """The shop's origin: ``https://name.myshopify.com`` or a sandbox's ``http://127.0.0.1:PORT``."""
    url = shop.url.strip().rstrip("/")
    if "://" not in url:
        url = f"https://{url if '.' in url else url + '.myshopify.com'}"
    return url


class TokenProvider:
    """Hands out the access token to send, renewing client-credentials tokens as needed."""

    def __init__(
        self,
        shop: ShopSettings,
        session: requests.Session,
        clock: Clock,
        timeout: float,
        request_id: Callable[[requests.Response], str | None] = lambda r: r.headers.get(
            "X-Request-Id"
        ),
    ) -> None:
        self._shop = shop
        self._session = session
        self._clock = clock
        self._timeout = timeout
        self._request_id = request_id
        self._token: str | None = None
        self._expires: datetime | None = None
        if shop.access_token is not None:
            self._token = shop.access_token.reveal()
        elif not (shop.client_id and shop.client_secret):
            raise ConfigError(
                [
                    ConfigProblem(
                        f"shops.{shop.name}.access_token",
                        "set access_token, or client_id and client_secret",
                    )
                ]
            )

    @property
    def renewable(self) -> bool:
        return self._shop.access_token is None

    def token(self) -> str:
        if not self.renewable:
            assert self._token is not None
            return self._token
        if (
            self._token is None
            or self._expires is None
            or self._clock() >= self._expires - RENEW_BEFORE
        ):
            self._grant()
        assert self._token is not None
        return self._token

    def invalidate(self) -> None:
        """Forget a token the shop refused (a 401), so the next call asks for a new one."""
        if self.renewable:
            self._token = None

    def _grant(self) -> None:
        assert self._shop.client_id and self._shop.client_secret
        answer = self._session.post(
            f"{base_url(self._shop)}/admin/oauth/access_token",
            json={
                "client_id": self._shop.client_id,
                "client_secret": self._shop.client_secret.reveal(),
                "grant_type": "client_credentials",
            },
            headers={"Accept": "application/json"},
            timeout=self._timeout,
        )
        details = PlatformDetails(
            "shopify", answer.status_code, self._request_id(answer), None, answer.text[:200]
        )
        if answer.status_code >= 500 or answer.status_code == 429:
            raise PlatformRetryable("token request failed", details)
        try:
            payload = answer.json()
        except ValueError:
            raise PlatformRetryable("token answer was not JSON", details) from None
        if not isinstance(payload, dict):
            raise PlatformRetryable("token answer was not a JSON object", details)
        if answer.status_code != 200 or "access_token" not in payload:
            reason = payload.get("error_description") or payload.get("error") or "refused"
            raise AuthError(f"Shopify refused the client credentials: {reason}")
        lifetime = payload.get("expires_in", 86399)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            raise PlatformRetryable(
                f"token answer had no usable expires_in ({lifetime!r})", details
            )
        self._token = str(payload["access_token"])
        self._expires = self._clock() + timedelta(seconds=int(lifetime))
