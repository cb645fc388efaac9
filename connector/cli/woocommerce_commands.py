"""CLI commands for woocommerce: `connector install woocommerce` and `connector sandbox woocommerce`."""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import click

from connector.errors import AuthError, UsageError

__all__ = ["KeyFlowResult", "register", "run_key_flow"]


class KeyFlowResult:
    """The key WooCommerce granted through ``/wc-auth/v1/authorize`` (secret kept out of repr)."""

    def __init__(self, consumer_key: str, consumer_secret: str, permissions: str) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.permissions = permissions

    def __repr__(self) -> str:
        return f"KeyFlowResult(consumer_key={self.consumer_key[:7]}..., permissions={self.permissions})"


def run_key_flow(
    store_url: str,
    *,
    app_name: str = "Backorder Connector",
    port: int = 0,
    callback_url: str | None = None,
    open_url: Callable[[str], object] = webbrowser.open,
    timeout: float = 300.0,
) -> KeyFlowResult:
    """Ask the store owner to approve a read_write key and receive it on a local callback.

    WooCommerce POSTs the key as JSON to ``callback_url`` (real stores insist on an HTTPS callback:
    pass a tunnel's URL that forwards to the local port). ``user_id`` is a one-time nonce we check.
    """
    nonce = secrets.token_urlsafe(16)
    received: dict[str, Any] = {}
    done = threading.Event()

    class Callback(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                data = json.loads(raw)
            except ValueError:
                data = {}
            ok = isinstance(data, dict) and str(data.get("user_id")) == nonce
            self.send_response(200 if ok else 400)
            self.end_headers()
            if ok:
                received.update(data)
                done.set()

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"Backorder Connector: you can close this tab.")

        def log_message(self, *args: Any) -> None:
            return  # the callback carries the secret: never log requests

    server = HTTPServer(("127.0.0.1", port), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        local = f"http://127.0.0.1:{server.server_port}"
        params = {
            "app_name": app_name,
            "scope": "read_write",
            "user_id": nonce,
            "return_url": f"{local}/done",
            "callback_url": callback_url or f"{local}/callback",
        }
        authorize = f"{store_url.rstrip('/')}/wc-auth/v1/authorize?{urlencode(params)}"
        open_url(authorize)
        if not done.wait(timeout):
            raise AuthError("no key arrived from WooCommerce before the timeout")
    finally:
        server.shutdown()
        server.server_close()
    permissions = str(received.get("key_permissions", ""))
    if permissions != "read_write":
        raise AuthError(
            f"WooCommerce granted a {permissions or 'unknown'} key; read_write is needed"
        )
    return KeyFlowResult(
        str(received["consumer_key"]), str(received["consumer_secret"]), permissions
    )


def register(*, install: click.Group, sandbox: click.Group) -> None:
    """Add the woocommerce subcommands to the shared `install` and `sandbox` groups."""

    @install.command("woocommerce")
    @click.option(
        "--url", "store_url", required=True, help="The store's address, e.g. https://shop.example"
    )
    @click.option("--port", default=0, show_default=True, help="Local port for the key callback.")
    @click.option(
        "--callback-url", default=None, help="Public HTTPS URL forwarding to the local port."
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Where to write the key (mode 600). Default: woocommerce-<host>.keys.toml",
    )
    @click.option(
        "--no-browser", is_flag=True, help="Print the approval link instead of opening it."
    )
    @click.option(
        "--timeout", default=300.0, show_default=True, help="Seconds to wait for approval."
    )
    def install_woocommerce(
        *,
        store_url: str,
        port: int,
        callback_url: str | None,
        output: Path | None,
        no_browser: bool,
        timeout: float,
    ) -> None:
        """Create a read_write REST key through WooCommerce's /wc-auth/v1/authorize flow."""
        host = urlparse(store_url).hostname
        if not host:
            raise UsageError(f"--url {store_url!r} is not a store address")

        def show(link: str) -> None:
            click.echo(f"Approve the connector in your store: {link}")
            if not no_browser:
                webbrowser.open(link)

        result = run_key_flow(
            store_url, port=port, callback_url=callback_url, open_url=show, timeout=timeout
        )
        target = output or Path(f"woocommerce-{host}.keys.toml")
        # Private before the secret is written: writing first and chmod-ing after would leave the
        # secret readable by other users for a moment (and an existing file keeps its old mode).
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as keys:
            keys.write(
                f'consumer_key = "{result.consumer_key}"\n'
                f'consumer_secret = "{result.consumer_secret}"\n'
            )
        click.echo(f"Key {result.consumer_key[:7]}... ({result.permissions}) written to {target}")

    @sandbox.command("woocommerce")
    @click.option("--port", default=8088, show_default=True)
    @click.option("--seed", default=7, show_default=True, help="Seed of the generated catalog.")
    @click.option("--products", default=20, show_default=True)
    @click.option("--orders", default=40, show_default=True)
    def sandbox_woocommerce(port: int, seed: int, products: int, orders: int) -> None:
        """Run a local WooCommerce 7.9 store (REST API v3) until Ctrl-C."""
        from connector.sandbox.seed import SeedSpec
        from connector.sandbox.woocommerce import WooCommerceSandbox

        store = WooCommerceSandbox(
            SeedSpec(seed=seed, products=products, orders=orders), port=port
        ).start()
        credentials = store.credentials()
        click.echo(f"WooCommerce sandbox at {store.base_url}")
        click.echo(f"consumer_key    = {credentials['consumer_key']}")
        click.echo(f"consumer_secret = {credentials['consumer_secret']}")
        click.echo(f"control API: {store.base_url}/__sandbox/state  (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(1.0)
                store.deliver_webhooks()  # WooCommerce's background queue
        except KeyboardInterrupt:
            pass
        finally:
            store.stop()
