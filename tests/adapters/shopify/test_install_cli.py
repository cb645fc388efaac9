"""`connector install shopify`: the OAuth authorization-code flow against the sandbox shop."""

from __future__ import annotations

import threading

import pytest
import requests
from click.testing import CliRunner

from connector.cli.main import cli
from connector.cli.shopify_commands import callback_hmac_ok, oauth_install, shop_origin
from connector.errors import AuthError
from connector.sandbox.shopify import ShopifySandbox


def test_shop_names_become_origins() -> None:
    assert shop_origin("acme") == "https://acme.myshopify.com"
    assert shop_origin("acme.myshopify.com") == "https://acme.myshopify.com"
    assert shop_origin("http://127.0.0.1:8081/") == "http://127.0.0.1:8081"


def test_the_callback_hmac_is_checked() -> None:
    params = {"code": "abc", "shop": "acme.myshopify.com", "state": "s", "timestamp": "1"}
    import hashlib
    import hmac

    message = "&".join(f"{k}={params[k]}" for k in sorted(params))
    good = {**params, "hmac": hmac.new(b"secret", message.encode(), hashlib.sha256).hexdigest()}
    assert callback_hmac_ok(good, "secret")
    assert not callback_hmac_ok({**good, "code": "other"}, "secret")
    assert not callback_hmac_ok(params, "secret")


def _browser(url: str) -> None:
    # The merchant approves: the shop redirects to our local callback, which the "browser" follows.
    threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 5}, daemon=True).start()


def test_oauth_install_gets_a_token_that_works() -> None:
    with ShopifySandbox() as store:
        token = oauth_install(
            store.base_url, store.client_id, store.app_secret, open_url=_browser, timeout=10
        )
        assert token["access_token"] == store.access_token
        assert "write_merchant_managed_fulfillment_orders" in token["scope"]


def test_a_wrong_client_secret_never_gets_a_token() -> None:
    with ShopifySandbox() as store, pytest.raises(AuthError):
        # The callback's HMAC does not verify with the wrong secret, so no code is exchanged.
        oauth_install(store.base_url, store.client_id, "wrong-secret", open_url=_browser, timeout=1)


def test_the_install_command_prints_how_to_keep_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with ShopifySandbox() as store:
        monkeypatch.setattr("webbrowser.open", _browser)
        result = CliRunner().invoke(
            cli,
            [
                "install",
                "shopify",
                "--shop",
                store.base_url,
                "--client-id",
                store.client_id,
                "--client-secret",
                store.app_secret,
            ],
        )
        assert result.exit_code == 0, result.output
        assert f"export SHOPIFY_ACCESS_TOKEN={store.access_token}" in result.output
        assert 'access_token = "env:SHOPIFY_ACCESS_TOKEN"' in result.output
