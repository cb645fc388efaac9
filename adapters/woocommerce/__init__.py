"""The WooCommerce adapter (REST API v3): incremental sync in, storefront changes out.

Build it through :func:`adapters.create_adapter`, or directly as
``WooCommerceAdapter(shop_settings, clock=..., session=None, sleep=None)``.
"""

from adapters.woocommerce.adapter import WooCommerceAdapter

__all__ = ["WooCommerceAdapter"]
