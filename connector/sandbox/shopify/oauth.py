"""The sandbox's OAuth endpoints: client-credentials grant, code exchange, the consent redirect."""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

if TYPE_CHECKING:
    from connector.sandbox.shopify.app import ShopifySandbox

__all__ = ["TOKEN_LIFETIME", "authorize", "token"]

TOKEN_LIFETIME = 86399
"""Seconds a client-credentials token lives, as Shopify answers ``expires_in``."""


def token(store: ShopifySandbox, environ: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any]]:
    if "json" in environ.get("CONTENT_TYPE", ""):
        try:
            form = {k: str(v) for k, v in json.loads(raw).items()}
        except (ValueError, AttributeError):
            form = {}
    else:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    if form.get("client_id") != store.client_id or not secrets.compare_digest(
        form.get("client_secret", ""), store.app_secret
    ):
        return 400, {
            "error": "invalid_client",
            "error_description": "Client authentication failed",
        }
    grant = form.get("grant_type")
    if grant == "client_credentials":
        token = f"shpat_{secrets.token_hex(16)}"
        store.issued_tokens[token] = store.clock().timestamp() + TOKEN_LIFETIME
        return 200, {
            "access_token": token,
            "scope": ",".join(store.scopes),
            "expires_in": TOKEN_LIFETIME,
        }
    code = form.get("code")
    if code and code in store.auth_codes:
        store.auth_codes.discard(code)
        return 200, {"access_token": store.access_token, "scope": ",".join(store.scopes)}
    return 400, {
        "error": "invalid_request",
        "error_description": "The authorization code was not found or was already used",
    }


def authorize(
    store: ShopifySandbox, environ: dict[str, Any]
) -> tuple[int, list[tuple[str, str]], bytes, float, str]:
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if query.get("client_id") != store.client_id or not query.get("redirect_uri"):
        return (
            400,
            [("Content-Type", "text/plain")],
            b"Invalid client_id or redirect_uri",
            0,
            "oauth",
        )
    code = secrets.token_hex(16)
    store.auth_codes.add(code)
    params = {
        "code": code,
        "shop": store.domain,
        "state": query.get("state", ""),
        "timestamp": str(int(store.clock().timestamp())),
        "host": "c2FuZGJveA",
    }
    # Shopify signs the callback: hex HMAC-SHA256 over the sorted query without `hmac`.
    message = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["hmac"] = hmac_module.new(
        store.app_secret.encode(), message.encode(), hashlib.sha256
    ).hexdigest()
    location = f"{query['redirect_uri']}?{urlencode(params)}"
    return 302, [("Location", location)], b"", 0, "oauth"
