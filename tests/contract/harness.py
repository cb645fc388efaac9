"""What each platform's contract harness offers the shared adapter contract tests, and the helpers
those tests read and write the store through (the adapter interface only)."""

from __future__ import annotations

from typing import Protocol

from connector.model import (
    Order,
    OrderAction,
    OrderActionKind,
    OrderLine,
    OrderStatus,
    Product,
    Variant,
)
from connector.platform import PlatformAdapter, Resource
from connector.sandbox.base import SandboxStore
from connector.settings import ShopSettings


class Harness(Protocol):
    """A running sandbox store and a real adapter pointed at it."""

    store: SandboxStore
    adapter: PlatformAdapter
    settings: ShopSettings

    def webhook_for_order(self, order_id: str) -> tuple[dict[str, str], bytes]:
        """A correctly signed ``order updated`` delivery for ``order_id``, as the platform sends it."""
        ...

    def forge(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        """The same delivery with a signature that does not match."""
        ...

    def sku_of(self, variant_id: str) -> str: ...


def catalog(harness: Harness) -> tuple[list[Product], list[Variant]]:
    """Every product and variant a full first read returns."""
    products: list[Product] = []
    variants: list[Variant] = []
    for page in harness.adapter.read_changes(Resource.PRODUCTS, None):
        products += page.products
        variants += page.variants
    return products, variants


def open_orders(harness: Harness) -> list[Order]:
    """The open orders with lines a full first read returns."""
    orders = [
        o for page in harness.adapter.read_changes(Resource.ORDERS, None) for o in page.orders
    ]
    return [o for o in orders if o.status is OrderStatus.OPEN and o.lines]


def hold(shop: str, order: Order, *lines: OrderLine, handle: str) -> OrderAction:
    """Hold ``lines`` of ``order`` in full for want of stock, as the engine plans it."""
    return OrderAction(
        shop,
        OrderActionKind.HOLD_LINES,
        order.platform_id,
        lines=tuple((line.platform_id, line.quantity) for line in lines),
        hold_reason="INVENTORY_OUT_OF_STOCK",
        handle=handle,
    )
