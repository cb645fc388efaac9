"""CLI commands for Shopify: ``connector sandbox shopify`` and ``connector install shopify``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import click
import requests

from connector.errors import AuthError, UsageError

__all__ = ["callback_hmac_ok", "oauth_install", "register", "shop_origin"]

INSTALL_SCOPES = (
    "read_products,write_products,read_inventory,read_locations,read_orders,write_orders,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders,"
    "read_discounts,write_discounts"
)


def shop_origin(shop: str) -> str:
    """``my-shop`` -> ``https://my-shop.myshopify.com``; a full URL (a sandbox) is kept as is."""
    shop = shop.strip().rstrip("/")
    if "://" in shop:
        return shop
    return f"https://{shop if '.' in shop else shop + '.myshopify.com'}"


def callback_hmac_ok(params: Mapping[str, str], secret: str) -> bool:
    """Shopify's OAuth callback check: hex HMAC-SHA256 of the other parameters, sorted, ``k=v&...``.

    The same computation as ShopifyAPI's ``Session.calculate_hmac``, without its class-level state.
    """
    given = params.get("hmac", "")
    message = "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("hmac", "signature"))
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return bool(given) and hmac.compare_digest(expected, given)


def oauth_install(
    shop: str,
    client_id: str,
    client_secret: str,
    *,
    scopes: str = INSTALL_SCOPES,
    port: int = 0,
    open_url: Callable[[str], Any] = webbrowser.open,
    timeout: float = 300.0,
    on_url: Callable[[str], None] = lambda url: None,
) -> dict[str, Any]:
    """Run the authorization-code install: consent in the browser, callback on 127.0.0.1.

    Checks the callback's ``state`` and HMAC, exchanges the code, and returns Shopify's token answer
    (``access_token``, ``scope``). Nothing is written to disk.
    """
    origin = shop_origin(shop)
    state = secrets.token_urlsafe(24)
    received: dict[str, str] = {}
    done = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            ok = query.get("state") == state and callback_hmac_ok(query, client_secret)
            if ok:
                received.update(query)
                done.set()
            body = b"Installed. You can close this tab." if ok else b"This callback is not valid."
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", port), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        redirect = f"http://127.0.0.1:{server.server_port}/callback"
        url = f"{origin}/admin/oauth/authorize?" + urlencode(
            {"client_id": client_id, "scope": scopes, "redirect_uri": redirect, "state": state}
        )
        on_url(url)
        open_url(url)
        if not done.wait(timeout):
            raise AuthError("no valid OAuth callback arrived in time")
    finally:
        server.shutdown()
        server.server_close()
    answer = requests.post(
        f"{origin}/admin/oauth/access_token",
        json={"client_id": client_id, "client_secret": client_secret, "code": received["code"]},
        timeout=30,
    )
    if answer.status_code != 200:
        raise AuthError(f"Shopify refused the authorization code (HTTP {answer.status_code})")
    token: dict[str, Any] = answer.json()
    return token


def _sandbox_command() -> click.Command:
    @click.command("shopify")
    @click.option("--port", type=int, default=8081, show_default=True, help="Port on 127.0.0.1.")
    @click.option(
        "--seed", type=int, default=7, show_default=True, help="Seed of the generated shop."
    )
    @click.option("--products", type=int, default=20, show_default=True)
    @click.option("--orders", type=int, default=40, show_default=True)
    @click.option("--bucket-size", type=float, default=2000, show_default=True)
    @click.option("--restore-rate", type=float, default=100, show_default=True)
    def sandbox_shopify(
        *,
        port: int,
        seed: int,
        products: int,
        orders: int,
        bucket_size: float,
        restore_rate: float,
    ) -> None:
        """Run a local Shopify shop (Admin GraphQL API) until Ctrl-C."""
        from connector.sandbox.seed import SeedSpec
        from connector.sandbox.shopify import ShopifySandbox

        spec = SeedSpec(seed=seed, products=products, orders=orders)
        store = ShopifySandbox(spec, port=port, bucket_size=bucket_size, restore_rate=restore_rate)
        with store:
            credentials = store.credentials()
            click.echo(f"Shopify sandbox running at {store.base_url}")
            click.echo(
                f"  GraphQL endpoint: {store.base_url}/admin/api/{store.api_version}/graphql.json"
            )
            click.echo(f"  access token:     {credentials['access_token']}")
            click.echo(f"  client id:        {credentials['client_id']}")
            click.echo(f"  app secret:       {credentials['client_secret']}")
            click.echo(f"  control API:      {store.base_url}/__sandbox/state")
            click.echo("Press Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                click.echo("Stopped.")

    return sandbox_shopify


def _install_command() -> click.Command:
    @click.command("shopify")
    @click.option(
        "--shop", required=True, help="The shop: NAME, NAME.myshopify.com or a sandbox URL."
    )
    @click.option(
        "--client-id",
        envvar="SHOPIFY_CLIENT_ID",
        required=True,
        help="App client id (or SHOPIFY_CLIENT_ID).",
    )
    @click.option(
        "--client-secret",
        envvar="SHOPIFY_CLIENT_SECRET",
        required=True,
        help="App client secret (or SHOPIFY_CLIENT_SECRET).",
    )
    @click.option(
        "--port", type=int, default=0, help="Callback port on 127.0.0.1 (0: any free port)."
    )
    @click.option("--no-browser", is_flag=True, help="Print the consent URL instead of opening it.")
    def install_shopify(
        shop: str, client_id: str, client_secret: str, port: int, no_browser: bool
    ) -> None:
        """Install the app on a shop with the OAuth authorization-code flow."""
        if not shop.strip():
            raise UsageError("--shop must name a shop")

        def show(url: str) -> None:
            click.echo(f"Approve the app in your browser:\n  {url}")

        token = oauth_install(
            shop,
            client_id,
            client_secret,
            port=port,
            open_url=(lambda url: None) if no_browser else webbrowser.open,
            on_url=show,
        )
        click.echo(f"Installed on {shop_origin(shop)} with scopes: {token.get('scope', '')}")
        click.echo("Store this access token as a secret (it is not saved anywhere), e.g.:")
        click.echo(f"  export SHOPIFY_ACCESS_TOKEN={token['access_token']}")
        click.echo('and in the config: access_token = "env:SHOPIFY_ACCESS_TOKEN"')

    return install_shopify


def register(*, install: click.Group, sandbox: click.Group) -> None:
    """Add the shopify subcommands to the shared `install` and `sandbox` groups."""
    sandbox.add_command(_sandbox_command())
    install.add_command(_install_command())
