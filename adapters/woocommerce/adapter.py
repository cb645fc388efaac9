"""The WooCommerce adapter: :class:`connector.platform.PlatformAdapter` over REST API v3."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests

from adapters.common import AdapterBase, merge_pages
from adapters.woocommerce import refund_lines, swap_lines, webhooks
from adapters.woocommerce.client import WooClient
from adapters.woocommerce.order_actions import OrderActionWriter
from adapters.woocommerce.order_status import OrderStatusWriter
from adapters.woocommerce.payments import PREORDERS_PLUGIN, payment_links, payments_details
from adapters.woocommerce.reader import Reader
from adapters.woocommerce.storefront import StorefrontWriter
from connector.errors import AuthError, ConnectorError, PermissionDenied
from connector.model import OrderAction, Platform, StorefrontChange, WriteResult
from connector.model_cancel import CancelOutcome, LineCancel
from connector.model_status import OrderStatusMove
from connector.model_swap import LineSwap, SwapOutcome
from connector.platform import (
    ApiUsage,
    ChangePage,
    CheckReport,
    Resource,
    ResyncTarget,
    WebhookEvent,
)

__all__ = ["PREORDERS_PLUGIN", "WooCommerceAdapter"]


class WooCommerceAdapter(AdapterBase):
    """One WooCommerce shop. ``session`` and ``sleep`` are seams for tests (no real waiting)."""

    platform = Platform.WOOCOMMERCE

    def _connect(
        self, session: requests.Session | None, sleep: Callable[[float], None] | None
    ) -> None:
        shop = self.settings
        self.client = WooClient(shop, session=session, sleep=sleep)
        self.usage: ApiUsage = self.client.usage
        self.reader = Reader(self.client, shop.name, shop.currency, shop.overlap_seconds)
        self._storefront = StorefrontWriter(self.client, self.reader)
        self._orders = OrderActionWriter(self.client, self.reader)
        self._status = OrderStatusWriter(self.client, self.reader, self._orders)

    def payment_links(self, order_ids: Sequence[str]) -> dict[str, str]:
        """Where each of ``order_ids`` is paid (its ``payment_url``), for the orders WooCommerce
        says still need payment; one ``orders?include=`` request per 100 ids."""
        return payment_links(self.reader.orders_by_id(list(order_ids)))

    def check(self) -> CheckReport:
        """Key permission (read_write), store-wide manage stock, version, Pre-Orders extension."""
        problems: list[str] = []
        granted: list[str] = []
        missing: list[str] = []
        details: dict[str, str] = {"auth": self.client.auth_mode}
        try:
            status: Mapping[str, Any] = self.client.get("system_status").body
            granted.append("read")
        except (AuthError, PermissionDenied) as error:
            return CheckReport(
                self.shop,
                self.platform,
                False,
                missing=("read", "write"),
                problems=(f"the consumer key was refused: {error}",),
                details=details,
            )
        except ConnectorError as error:
            return CheckReport(
                self.shop, self.platform, False, problems=(str(error),), details=details
            )
        environment = status.get("environment") or {}
        details["version"] = str(environment.get("version", "unknown"))
        details.update(payments_details(status))
        try:
            # An empty batch writes nothing but needs write permission.
            self.client.post("products/batch", {})
            granted.append("write")
        except (AuthError, PermissionDenied):
            missing.append("write")
            problems.append("the consumer key is read-only: create a read_write key")
        except ConnectorError as error:
            problems.append(f"write check failed: {error}")
        try:
            settings = self.client.get("settings/products").body
            manage = next(
                (s.get("value") for s in settings if s.get("id") == "woocommerce_manage_stock"),
                "unknown",
            )
        except ConnectorError as error:
            manage = "unknown"
            problems.append(f"could not read the manage-stock option: {error}")
        details["manage_stock"] = str(manage)
        if manage == "no":
            problems.append(
                "store-wide stock management is off (WooCommerce > Settings > Products > "
                "Inventory): WooCommerce ignores manage_stock and backorders until it is on"
            )
        version = details["version"].split(".")
        if version[0].isdigit() and int(version[0]) < 3:
            problems.append(f"WooCommerce {details['version']} has no REST API v3")
        return CheckReport(
            self.shop,
            self.platform,
            not problems,
            granted=tuple(granted),
            missing=tuple(missing),
            problems=tuple(problems),
            details=details,
        )

    def read_changes(self, resource: Resource, cursor: str | None) -> Iterator[ChangePage]:
        return self.reader.read(resource, cursor)

    def fetch(self, target: ResyncTarget) -> ChangePage:
        def everything() -> ChangePage:
            # Orders first, as connector.sync.pull reads them (see its docstring).
            orders = merge_pages(Resource.ORDERS, self.reader.read(Resource.ORDERS, None))
            products = merge_pages(Resource.PRODUCTS, self.reader.read(Resource.PRODUCTS, None))
            return ChangePage(
                Resource.PRODUCTS,
                products=products.products,
                variants=products.variants,
                orders=orders.orders,
                skipped=products.skipped + orders.skipped,
            )

        return self.reader.fetch(target, everything)

    def apply_storefront(self, changes: Sequence[StorefrontChange]) -> list[WriteResult]:
        return self._storefront.apply(changes)

    def apply_order_actions(self, actions: Sequence[OrderAction]) -> list[WriteResult]:
        return self._orders.apply(actions)

    def move_order_statuses(self, moves: Sequence[OrderStatusMove]) -> list[WriteResult]:
        """Whole orders to ``on-hold`` and back (:class:`connector.model_status.OrderStatusMover`)."""
        return self._status.move(moves)

    def cancel_lines(self, request: LineCancel) -> CancelOutcome:
        """The customer page's cancel: a refund of the units, once per key (refund_lines)."""
        return refund_lines.cancel_lines(self.client, request)

    def swap_line(self, request: LineSwap) -> SwapOutcome:
        """The customer page's swap: the new line added, the old one refunded (swap_lines)."""
        return swap_lines.swap_line(self.client, request)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        secret = self.settings.webhook_secret
        return webhooks.parse(self.shop, secret.reveal() if secret else None, headers, body)

    def ensure_webhooks(self, callback_url: str) -> list[str]:
        secret = self.settings.webhook_secret
        if secret is None:
            raise AuthError(f"{self.shop}: set webhook_secret to register WooCommerce webhooks")
        return webhooks.ensure(self.client, callback_url, secret.reveal())

    def close(self) -> None:
        self.client.close()
