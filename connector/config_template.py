"""The starter config ``connector init`` writes: short, valid once its env variables are set.

``config.example.toml`` at the repository root documents every key; this template is what ships
inside the installed package, so ``connector init`` works from a plain ``pip install``.
"""

from __future__ import annotations

import re

from connector.model import Platform

__all__ = ["env_prefix", "render_template"]

_HEADER = """\
# backorder-connector configuration. Every key, with its meaning and default, is documented in
# the project's config.example.toml and docs/configuration.md.
# Secrets are never written here: env:NAME reads the environment variable NAME.
# Check it with: connector check

# SQLite file (nothing to install). CONNECTOR_DATABASE_URL overrides it.
database_url = "sqlite:///connector.db"

[schedule]
# Minutes between incremental syncs.
sync_interval_minutes = 5

[email]
# "folder" writes emails as .eml files into `folder` so you can look before sending for real;
# switch to "smtp" (with smtp_host, smtp_username, smtp_password = "env:SMTP_PASSWORD") when ready.
transport = "folder"
folder = "outbox"
from_address = "shop@example.com"
"""

_SHOPIFY = """
[[shops]]
name = "{name}"
platform = "shopify"
# https://NAME.myshopify.com
url = "{url}"
api_version = "2026-10"
# The Admin API access token (shpat_...) of your app, from the environment.
access_token = "env:{env}_ACCESS_TOKEN"
# The app's client secret verifies webhooks. Leave out if you have none.
# client_secret = "env:{env}_CLIENT_SECRET"
currency = "USD"
locale = "en"
timezone = "UTC"
"""

_WOOCOMMERCE = """
[[shops]]
name = "{name}"
platform = "woocommerce"
# Your site's address.
url = "{url}"
# WooCommerce > Settings > Advanced > REST API: a read/write key.
consumer_key = "env:{env}_CONSUMER_KEY"
consumer_secret = "env:{env}_CONSUMER_SECRET"
# A long random string of your choice: the connector sets it on the webhooks it registers and
# verifies every delivery with it (WooCommerce never shows it again).
webhook_secret = "env:{env}_WEBHOOK_SECRET"
currency = "USD"
locale = "en"
timezone = "UTC"
# true: orders whose every line waits for stock go "on-hold" until it arrives (docs/woocommerce.md).
# on_hold_fully_waiting = true
"""

_POLICIES = """
# Keep selling SKUs matching SOFA-* while customers would wait at most 60 days.
[[policies]]
name = "backorder-sofas"
mode = "backorder"
max_wait_days = 60

[policies.match]
skus = ["SOFA-*"]

# Everything else: sold out means sold out.
[default_policy]
mode = "stop"
"""

DEFAULT_URLS = {
    Platform.SHOPIFY: "https://my-shop.myshopify.com",
    Platform.WOOCOMMERCE: "https://shop.example.com",
}


def env_prefix(shop_name: str) -> str:
    """``my-shop`` -> ``MY_SHOP``: the prefix of the shop's environment variables."""
    return re.sub(r"[^A-Za-z0-9]+", "_", shop_name).strip("_").upper() or "SHOP"


def render_template(platform: Platform, name: str, url: str) -> str:
    """The starter config text for one shop."""
    shop = _SHOPIFY if platform is Platform.SHOPIFY else _WOOCOMMERCE
    body = shop.format(name=_toml_text(name), url=_toml_text(url), env=env_prefix(name))
    return _HEADER + body + _POLICIES


def _toml_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
