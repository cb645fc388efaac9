"""Backorder and pre-order connector for Shopify and WooCommerce."""

__version__ = "0.1.0"
