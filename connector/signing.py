"""Webhook signatures: base64(HMAC-SHA256(secret, raw body)), as Shopify and WooCommerce both sign.

The sandbox stores sign with :func:`sign`; the adapters verify with :func:`verify`, always over the
raw bytes received (never a re-serialisation) and in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["sign", "verify"]


def sign(secret: str | bytes, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii")


def verify(secret: str | bytes, body: bytes, signature: str | None) -> bool:
    """True when ``signature`` is the base64 HMAC-SHA256 of ``body``; compared in constant time."""
    if not signature:
        return False
    return hmac.compare_digest(
        sign(secret, body).encode("ascii"), signature.strip().encode("ascii", "replace")
    )
