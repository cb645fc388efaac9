"""``GET /wp-json/wc/v3/system_status`` as a WooCommerce 7.9 store answers it.

The connector reads two things from it: the WooCommerce version and ``active_plugins``, where the
official Pre-Orders extension shows up as ``woocommerce-pre-orders/woocommerce-pre-orders.php``
when the owner has it active. Each plugin entry has the keys of the real capture
(``tests/fixtures/woocommerce/real/system_status.json``); an inactive plugin is listed under
``inactive_plugins`` instead, and means nothing to WooCommerce.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PREORDERS_PLUGIN_FILE", "plugin_entry", "system_status"]

PREORDERS_PLUGIN_FILE = "woocommerce-pre-orders/woocommerce-pre-orders.php"
"""Where WordPress keeps the official extension (woocommerce.com/products/woocommerce-pre-orders)."""


def plugin_entry(plugin: str, name: str, version: str, url: str, author: str) -> dict[str, Any]:
    """One ``active_plugins`` entry, keyed as WooCommerce's system status controller keys it."""
    return {
        "plugin": plugin,
        "name": name,
        "version": version,
        "version_latest": version,
        "url": url,
        "author_name": author,
        "author_url": "https://woocommerce.com",
        "network_activated": False,
    }


def system_status(
    base_url: str, version: str, *, preorders_active: bool, preorders_installed: bool
) -> dict[str, Any]:
    """The system status report; the Pre-Orders extension listed when installed, active or not."""
    active = [
        plugin_entry(
            "woocommerce/woocommerce.php",
            "WooCommerce",
            version,
            "https://woocommerce.com/",
            "Automattic",
        )
    ]
    inactive: list[dict[str, Any]] = []
    if preorders_installed:
        extension = plugin_entry(
            PREORDERS_PLUGIN_FILE,
            "WooCommerce Pre-Orders",
            "2.1.0",
            "https://woocommerce.com/products/woocommerce-pre-orders/",
            "WooCommerce",
        )
        (active if preorders_active else inactive).append(extension)
    return {
        "environment": {
            "home_url": base_url,
            "site_url": base_url,
            "version": version,
            "wp_version": "6.1.9",
            "default_timezone": "UTC",
            "language": "en_US",
        },
        "database": {"wc_database_version": version},
        "active_plugins": active,
        "inactive_plugins": inactive,
        "settings": {"api_enabled": True, "currency": "EUR", "force_ssl": False},
    }
