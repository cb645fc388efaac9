"""Sandbox stores: local HTTP servers that speak Shopify's and WooCommerce's wire formats.

They ship with the package (``connector demo`` and the benchmarks use them) and never import the
adapters. :mod:`connector.sandbox.base` holds what both share: the threaded server, the fault
injector, the request log and the control interface; :mod:`connector.sandbox.seed` the deterministic
catalog and order generator.
"""
