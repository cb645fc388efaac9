"""WooCommerce REST authentication: Basic over HTTPS, OAuth 1.0a one-legged over plain HTTP.

Mirrors ``WC_REST_Authentication``: Basic credentials are ignored on plain HTTP (the capture setup
terminated TLS in front and passed ``X-Forwarded-Proto: https``, which we honour the same way);
OAuth signatures are checked over the normalised, sorted query parameters with the consumer secret
plus ``&``; a timestamp outside 15 minutes or a nonce the key used in the last 15 minutes is refused
("Invalid nonce - nonce has already been used.", as ``check_oauth_timestamp_and_nonce`` does); older
nonces are forgotten, so the table stays as small as 15 minutes of traffic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

from connector.sandbox.woocommerce.catalog import WooError

__all__ = ["ApiKey", "Authenticator", "oauth_signature"]

_WINDOW = 15 * 60


class ApiKey:
    __slots__ = ("consumer_key", "consumer_secret", "permissions")

    def __init__(self, consumer_key: str, consumer_secret: str, permissions: str) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.permissions = permissions


def _generic_401(method: str) -> WooError:
    verb = "list resources" if method == "GET" else "create resources"
    return WooError(401, "woocommerce_rest_cannot_view", f"Sorry, you cannot {verb}.")


def _auth_error(message: str) -> WooError:
    return WooError(401, "woocommerce_rest_authentication_error", message)


def _normalise(value: str) -> str:
    return quote(unquote(value)).replace("%", "%25")


def oauth_signature(
    method: str, base_uri: str, params: Mapping[str, str], secret: str, algorithm: str
) -> str:
    """The signature WooCommerce expects (and the ``woocommerce`` package computes)."""
    pairs = sorted(
        (_normalise(key), _normalise(value))
        for key, value in params.items()
        if key != "oauth_signature"
    )
    query = "%26".join(f"{key}%3D{value}" for key, value in pairs)
    string_to_sign = f"{method}&{quote(base_uri, '')}&{query}"
    digest = hashlib.sha1 if algorithm == "HMAC-SHA1" else hashlib.sha256
    mac = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), digest).digest()
    return base64.b64encode(mac).decode()


class Authenticator:
    """Checks each API request against the store's keys; ``wall`` is the server's real time."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self.keys: dict[str, ApiKey] = {}
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()
        self._wall = wall
        self._refuse = 0

    def refuse_nonces(self, count: int = 1) -> None:
        """Answer the next ``count`` valid OAuth requests as a nonce replay.

        What a real store does when a nonce collides with one the key used in the last 15
        minutes (another process signing with the same key, or a weak nonce generator).
        ``refuse_nonces(0)`` stops refusing.
        """
        with self._lock:
            self._refuse = count

    def add(self, key: ApiKey) -> None:
        self.keys[key.consumer_key] = key

    def check(
        self,
        method: str,
        base_uri: str,
        query: Mapping[str, str],
        authorization: str,
        https: bool,
    ) -> ApiKey:
        """The key the request authenticates as, or the WooError WooCommerce answers with."""
        key: ApiKey | None = None
        if https:
            key = self._basic(authorization, query)
            if key is None:
                raise _generic_401(method)
        elif "oauth_consumer_key" in query:
            key = self._oauth(method, base_uri, query)
        else:
            raise _generic_401(method)
        writes = method not in ("GET", "HEAD", "OPTIONS")
        if writes and key.permissions == "read":
            raise _auth_error("The API key provided does not have write permissions.")
        if not writes and key.permissions == "write":
            raise _auth_error("The API key provided does not have read permissions.")
        return key

    def _basic(self, authorization: str, query: Mapping[str, str]) -> ApiKey | None:
        user = password = ""
        if authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except (ValueError, UnicodeDecodeError):
                return None
            user, _, password = decoded.partition(":")
        elif "consumer_key" in query:
            user, password = query["consumer_key"], query.get("consumer_secret", "")
        key = self.keys.get(user)
        if key is None or not hmac.compare_digest(key.consumer_secret, password):
            return None
        return key

    def _oauth(self, method: str, base_uri: str, query: Mapping[str, str]) -> ApiKey:
        for name in ("oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature"):
            if not query.get(name):
                raise _auth_error(f"{name} parameter is missing.")
        algorithm = query.get("oauth_signature_method", "")
        if algorithm not in ("HMAC-SHA1", "HMAC-SHA256"):
            raise _auth_error("Invalid signature - signature method is invalid.")
        key = self.keys.get(query["oauth_consumer_key"])
        if key is None:
            raise _auth_error("Consumer key is invalid.")
        expected = oauth_signature(method, base_uri, query, key.consumer_secret, algorithm)
        if not hmac.compare_digest(expected, query["oauth_signature"]):
            raise _auth_error("Invalid signature - provided signature does not match.")
        try:
            stamp = float(query["oauth_timestamp"])
        except ValueError:
            raise _auth_error("Invalid timestamp.") from None
        now = self._wall()
        if abs(now - stamp) > _WINDOW:
            raise _auth_error("Invalid timestamp.")
        nonce = f"{key.consumer_key}:{query['oauth_nonce']}"
        with self._lock:
            self._forget_before(now - _WINDOW)
            if nonce in self._nonces or self._refuse > 0:
                self._refuse = max(0, self._refuse - 1)
                raise _auth_error("Invalid nonce - nonce has already been used.")
            self._nonces[nonce] = now
        return key

    def _forget_before(self, moment: float) -> None:
        """Drop nonces used before ``moment`` (oldest first: the dict keeps insertion order)."""
        while self._nonces:
            oldest = next(iter(self._nonces))
            if self._nonces[oldest] >= moment:
                return
            del self._nonces[oldest]
