"""The Shopify adapter: :class:`connector.platform.PlatformAdapter` over the Admin GraphQL API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests

from adapters.common import AdapterBase, merge_pages
from adapters.shopify.auth import TokenProvider, base_url
from adapters.shopify.bulk import BulkReader
from adapters.shopify.by_ids import read_products
from adapters.shopify.cancel_lines import cancel_lines
from adapters.shopify.client import GraphQLClient
from adapters.shopify.orders import OrderWriter
from adapters.shopify.payments import ShopifyPayments
from adapters.shopify.reading import Reader
from adapters.shopify.selling_plans import ShopifySellingPlans
from adapters.shopify.storefront import StorefrontWriter
from adapters.shopify.swap_lines import swap_line
from adapters.shopify.webhooks import parse_webhook, register_webhooks
from connector.errors import AuthError, PermissionDenied, RetryableError
from connector.http import make_session
from connector.model import (
    Order,
    OrderAction,
    Platform,
    StorefrontChange,
    WriteResult,
)
from connector.model_cancel import CancelOutcome, LineCancel
from connector.model_swap import LineSwap, SwapOutcome
from connector.platform import (
    ApiUsage,
    ChangePage,
    CheckReport,
    Resource,
    ResyncTarget,
    WebhookEvent,
)

__all__ = ["NEEDED_SCOPES", "ShopifyAdapter"]

NEEDED_SCOPES: dict[str, str] = {
    "read_products": "reading products and variants",
    "write_products": "inventory policy, product tags and ETA labels on the storefront",
    "read_inventory": "reading stock levels",
    "read_locations": "stock per location",
    "read_orders": "reading orders",
    "write_orders": "order tags and notes",
    "read_merchant_managed_fulfillment_orders": "seeing fulfillment holds",
    "write_merchant_managed_fulfillment_orders": "holding backordered lines so in-stock items ship now",
    "read_discounts": "checking delay-apology discount codes",
    "write_discounts": "delay-apology discount codes",
}
"""Each scope the connector asks for, and the feature that is off without it."""


def _locations(conn: Any) -> str:
    """The active locations whose stock is summed, as ``check`` shows them."""
    if not isinstance(conn, Mapping):
        return ""
    names = [str(n.get("name")) for n in conn.get("nodes") or () if isinstance(n, Mapping)]
    more = " and more" if (conn.get("pageInfo") or {}).get("hasNextPage") else ""
    return f"stock summed over {len(names)} active location(s): {', '.join(names)}{more}"


def _granted_covers(granted: set[str], scope: str) -> bool:
    # Shopify grants read access along with write access to the same resource.
    return scope in granted or (scope.startswith("read_") and "write_" + scope[5:] in granted)


class ShopifyAdapter(AdapterBase):
    """One Shopify shop. Build with :func:`adapters.create_adapter` or directly."""

    platform = Platform.SHOPIFY

    def _connect(
        self, session: requests.Session | None, sleep: Callable[[float], None] | None
    ) -> None:
        shop = self.settings
        clock = self.clock
        self.usage = ApiUsage()
        self.session = session or make_session()
        self._owns_session = session is None
        do_sleep = sleep or time.sleep
        self.tokens = TokenProvider(shop, self.session, clock, shop.timeout_seconds)
        self.client = GraphQLClient(
            shop, session=self.session, tokens=self.tokens, sleep=do_sleep, usage=self.usage
        )
        self.reader = Reader(
            shop, self.client, BulkReader(self.client, self.session, do_sleep), clock
        )
        self.storefront = StorefrontWriter(self.client)
        self.orders = OrderWriter(self.client, clock)
        self.payments = ShopifyPayments(self.client)
        self.selling_plans = ShopifySellingPlans(self.client)

    # ---- check ------------------------------------------------------------------------------------

    def check(self) -> CheckReport:
        try:
            data = self.client.run("Shop")
        except (AuthError, PermissionDenied, RetryableError, requests.RequestException) as error:
            return CheckReport(
                self.shop,
                Platform.SHOPIFY,
                ok=False,
                problems=(str(error),),
                details={"url": base_url(self.settings)},
            )
        granted = {
            str(s.get("handle"))
            for s in ((data.get("currentAppInstallation") or {}).get("accessScopes")) or ()
        }
        missing = [s for s in NEEDED_SCOPES if not _granted_covers(granted, s)]
        problems = [f"scope {s} is missing: {NEEDED_SCOPES[s]} is off" for s in missing]
        shop = data.get("shop") or {}
        currency = str(shop.get("currencyCode") or "")
        if currency and currency != self.settings.currency:
            problems.append(
                f"the shop's currency is {currency}, the config says {self.settings.currency}"
            )
        return CheckReport(
            self.shop,
            Platform.SHOPIFY,
            ok=not problems,
            granted=tuple(sorted(granted)),
            missing=tuple(missing),
            problems=tuple(problems),
            details={
                "name": str(shop.get("name") or ""),
                "domain": str(shop.get("myshopifyDomain") or ""),
                "currency": currency,
                "timezone": str(shop.get("ianaTimezone") or ""),
                "api_version": self.settings.api_version,
                "locations": _locations(data.get("locations")),
            },
        )

    # ---- read -------------------------------------------------------------------------------------

    def read_changes(self, resource: Resource, cursor: str | None) -> Iterator[ChangePage]:
        return self.reader.read_changes(resource, cursor)

    def fetch(self, target: ResyncTarget) -> ChangePage:
        if target.everything:
            return merge_pages(
                Resource.PRODUCTS,
                (
                    page
                    # Orders first, as connector.sync.pull reads them (see its docstring).
                    for resource in (Resource.ORDERS, Resource.PRODUCTS)
                    for page in self.reader.read_changes(resource, None)
                ),
            )
        orders: list[Order] = []
        # A collection named by a collections/* webhook: its members now (connector.sync
        # re-reads the products whose stored collections disagree).
        groups = [p for p in dict.fromkeys(target.product_ids) if "/Collection/" in p]
        memberships = tuple(self.reader.collections.members(g) for g in groups)
        product_ids = [p for p in target.product_ids if "/Collection/" not in p]
        for sku in target.skus:
            data = self.client.run("VariantsBySku", {"query": f"sku:'{sku}'"})
            for node in ((data.get("productVariants") or {}).get("nodes")) or ():
                product_ids.append(str((node.get("product") or {}).get("id")))
        products, variants, skips = read_products(self.reader, product_ids)
        order_ids = list(dict.fromkeys(target.order_ids))
        for start in range(0, len(order_ids), 10):
            batch = order_ids[start : start + 10]
            data = self.client.run("OrdersByIds", {"ids": batch}, key=f"OrdersByIds:{len(batch)}")
            nodes = [n for n in data.get("nodes") or () if n is not None]
            found, bad = self.reader.map_orders(nodes)
            orders += found
            skips += bad
        if target.order_numbers:
            found, bad = self.reader.orders_by_name(target.order_numbers)
            known = {o.platform_id for o in orders}
            orders += [o for o in found if o.platform_id not in known]
            skips += bad
        return ChangePage(
            Resource.ORDERS if orders and not products else Resource.PRODUCTS,
            products=tuple(products),
            variants=tuple(variants),
            orders=tuple(orders),
            skipped=tuple(skips),
            memberships=memberships,
        )

    # ---- write ------------------------------------------------------------------------------------

    def apply_storefront(self, changes: Sequence[StorefrontChange]) -> list[WriteResult]:
        return self.storefront.apply(changes) if changes else []

    def apply_order_actions(self, actions: Sequence[OrderAction]) -> list[WriteResult]:
        return self.orders.apply(actions) if actions else []

    # ---- webhooks ----------------------------------------------------------------------------------

    def cancel_lines(self, request: LineCancel) -> CancelOutcome:
        """The customer page's cancel: refundCreate with restock CANCEL, once per key."""
        return cancel_lines(self.client, request)

    def swap_line(self, request: LineSwap) -> SwapOutcome:
        """The customer page's swap: one order edit, the difference owed by hand (swap_lines)."""
        return swap_line(self.client, request)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        secret = self.settings.client_secret or self.settings.webhook_secret
        return parse_webhook(self.shop, secret.reveal() if secret else None, headers, body)

    def ensure_webhooks(self, callback_url: str) -> list[str]:
        return register_webhooks(self.client, callback_url)

    def close(self) -> None:
        if self._owns_session:
            self.session.close()
