"""Console sessions in a signed cookie, and the CSRF tokens of their forms.

A session token is ``base64url(json [user, session id, expiry epoch, password tag]) .
base64url(HMAC-SHA256)``, keyed with ``[console] secret``. Nothing is kept on the server but the
audit log: a logout is an audit row naming the session id, and a session so named is refused.
The role is never in the cookie: it is read from the config on every request, so removing a user
or changing their role takes effect at once. The password tag ends every session of a user whose
password hash changed.

A form's CSRF token is a second signature over the session id; the login form, which has no
session yet, carries one over a random nonce kept in a short-lived cookie of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.clock import Clock
from connector.settings import ConsoleSettings, ConsoleUser

__all__ = ["Session", "Sessions"]


@dataclass(frozen=True, slots=True)
class Session:
    """A valid session: who, its id (for CSRF and logout), when it ends."""

    user: ConsoleUser
    id: str
    expires: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    """Makes and reads session cookies and form tokens for one install's console."""

    def __init__(self, settings: ConsoleSettings, clock: Clock) -> None:
        if settings.secret is None:
            raise ValueError("console sessions need [console] secret")
        self._key = settings.secret.reveal().encode()
        self._settings = settings
        self._lifetime = timedelta(hours=settings.session_hours)
        self._clock = clock

    def _sign(self, purpose: str, payload: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode() + b":" + payload, hashlib.sha256).digest()

    def _password_tag(self, user: ConsoleUser) -> str:
        return _b64(self._sign("password", user.password_hash.encode())[:12])

    def issue(self, user: ConsoleUser) -> tuple[str, Session]:
        """A new session for ``user``: the cookie's value and what it stands for."""
        expires = self._clock() + self._lifetime
        session_id = secrets.token_urlsafe(18)
        payload = json.dumps(
            [user.name, session_id, int(expires.timestamp()), self._password_tag(user)],
            separators=(",", ":"),
        ).encode()
        token = f"{_b64(payload)}.{_b64(self._sign('session', payload))}"
        return token, Session(user, session_id, expires)

    def read(self, token: str) -> Session | None:
        """The session ``token`` stands for now, or None (forged, expired, user gone or changed)."""
        head, dot, tail = token.partition(".")
        if not dot or len(token) > 1000:
            return None
        try:
            payload, signature = _unb64(head), _unb64(tail)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(signature, self._sign("session", payload)):
            return None
        try:
            name, session_id, expires, tag = json.loads(payload)
        except (ValueError, TypeError):
            return None
        if not isinstance(expires, int):
            return None
        user = self._settings.user(str(name))
        if user is None or not hmac.compare_digest(str(tag), self._password_tag(user)):
            return None
        moment = datetime.fromtimestamp(expires, self._clock().tzinfo)
        if moment <= self._clock():
            return None
        return Session(user, str(session_id), moment)

    def csrf(self, session_id: str) -> str:
        """The hidden field every form of this session carries."""
        return _b64(self._sign("csrf", session_id.encode()))

    def check_csrf(self, session_id: str, value: str) -> bool:
        return hmac.compare_digest(self.csrf(session_id), value)

    @staticmethod
    def nonce() -> str:
        """A fresh value for the login form's cookie."""
        return secrets.token_urlsafe(18)
