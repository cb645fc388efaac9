"""The REST routes of ``/wp-json/wc/v3``: a table from path and method to the noun's handler.

Handlers live with their domain noun (``api_products``, ``api_orders``, ``api_webhooks``); this
module routes, answers the index, ``system_status`` and the stock setting.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from connector.sandbox.woocommerce.api_common import Handler, Request, Response
from connector.sandbox.woocommerce.api_orders import OrderRoutes
from connector.sandbox.woocommerce.api_products import ProductRoutes
from connector.sandbox.woocommerce.api_webhooks import WebhookRoutes
from connector.sandbox.woocommerce.catalog import WooError
from connector.sandbox.woocommerce.customers import CustomerRoutes

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["Request", "Response", "RestApi"]

_DIGITS = r"(\d+)"
_NAMED_ID = r"(?P<id>[\d]+)"


def _no_route() -> WooError:
    return WooError(404, "rest_no_route", "No route was found matching the URL and request method.")


class RestApi:
    """Routes under ``/wp-json/wc/v3``; reads and writes go through the sandbox's rules."""

    def __init__(self, store: WooCommerceSandbox) -> None:
        self.store = store
        products = ProductRoutes(store)
        orders = OrderRoutes(store)
        hooks = WebhookRoutes(store)
        customers = CustomerRoutes(lambda: store.customers, lambda: store.base_url)
        reads = ("GET",)
        writes = ("POST", "PUT", "PATCH")
        every = (*reads, *writes, "DELETE")
        self.routes: list[tuple[re.Pattern[str], tuple[str, ...], Handler]] = [
            (re.compile(r"/?"), reads, self.index),
            (re.compile(r"/system_status"), reads, self.system_status),
            (re.compile(r"/settings/products"), reads, self.settings_products),
            (re.compile(r"/products/tags"), (*reads, "POST"), products.tags),
            (re.compile(r"/products/batch"), writes, products.products_batch),
            (re.compile(r"/products"), (*reads, "POST"), products.products),
            (re.compile(r"/products/(\d+)"), every, products.product),
            (re.compile(r"/products/(\d+)/variations/batch"), writes, products.variations_batch),
            (re.compile(r"/products/(\d+)/variations"), (*reads, "POST"), products.variations),
            (re.compile(r"/products/(\d+)/variations/(\d+)"), every, products.variation),
            (re.compile(r"/variations"), reads, products.all_variations),
            (re.compile(r"/orders/batch"), writes, orders.orders_batch),
            (re.compile(r"/orders"), (*reads, "POST"), orders.orders),
            (re.compile(r"/orders/(\d+)"), every, orders.order),
            (re.compile(r"/orders/(\d+)/notes"), (*reads, "POST"), orders.notes),
            (re.compile(r"/orders/(\d+)/refunds"), (*reads, "POST"), orders.refunds),
            (re.compile(r"/coupons"), (*reads, "POST"), orders.coupons),
            (re.compile(r"/webhooks"), (*reads, "POST"), hooks.webhooks),
            (re.compile(r"/webhooks/(\d+)"), every, hooks.webhook),
            (re.compile(r"/customers"), reads, customers.customers_list),
            (re.compile(r"/customers/(\d+)"), reads, customers.customer),
        ]

    def route_name(self, path: str) -> str:
        """The handler's name for ``path`` (what the request log records as the operation)."""
        for pattern, _, handler in self.routes:
            if pattern.fullmatch(path):
                return handler.__name__
        return "unknown"

    def handle(self, request: Request) -> Response:
        """WooCommerce's answer to ``request``; raises :class:`WooError` for an error answer."""
        for pattern, methods, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match and request.method in methods:
                with self.store.lock:
                    return handler(request, list(match.groups()))
        raise _no_route()

    # --- index, status, settings --------------------------------------------------------------
    def index(self, request: Request, args: list[str]) -> Response:
        routes = {
            "/wc/v3" + pattern.pattern.replace(_DIGITS, _NAMED_ID): {
                "namespace": "wc/v3",
                "methods": list(methods),
            }
            for pattern, methods, handler in self.routes[1:]
            if handler.__name__ != "all_variations" or self.store.has_variations_route
        }
        return 200, {"namespace": "wc/v3", "routes": {"/wc/v3": {}, **routes}}, []

    def system_status(self, request: Request, args: list[str]) -> Response:
        return 200, self.store.system_status(), []

    def settings_products(self, request: Request, args: list[str]) -> Response:
        value = "yes" if self.store.catalog.manage_stock_option else "no"
        setting = {
            "id": "woocommerce_manage_stock",
            "label": "Manage stock",
            "description": "Enable stock management",
            "type": "checkbox",
            "default": "yes",
            "value": value,
            "_links": {},
        }
        return 200, [setting], []
