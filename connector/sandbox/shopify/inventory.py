"""Inventory: items, their levels at the shop's locations, and the quantities each level holds.

A tracked item's stock is spread over every location of the shop (``ShopData.locations``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connector.sandbox.shopify.connections import connection
from connector.sandbox.shopify.records import SVariant, gid, iso

if TYPE_CHECKING:
    from connector.sandbox.shopify.store import ShopData

__all__ = ["INVENTORY_TYPES", "InventoryItem", "InventoryLevel", "Location", "location", "share"]

Resolver = Callable[["ShopData", Any, dict[str, Any]], Any]


class Location:
    """One of the shop's locations; every sandbox location is active."""

    __slots__ = ("id", "isActive", "name")

    def __init__(self, index: int) -> None:
        self.id = index + 1
        self.name = "Warehouse" if index == 0 else f"Location {index + 1}"
        self.isActive = True  # the GraphQL field's name


def location(index: int) -> Location:
    """The shop's ``index``-th location (0 is the first)."""
    return Location(index)


class InventoryItem:
    __slots__ = ("variant",)

    def __init__(self, variant: SVariant) -> None:
        self.variant = variant


class InventoryLevel:
    """A variant's stock at one of the shop's locations (``index`` 0 is the first location)."""

    __slots__ = ("index", "variant")

    def __init__(self, variant: SVariant, index: int = 0) -> None:
        self.variant = variant
        self.index = index

    @property
    def id(self) -> int:
        return self.index + 1


def share(total: int, locations: int, index: int) -> int:
    """Location ``index``'s part of ``total`` spread over ``locations``; the parts sum to it."""
    return total // locations + (1 if index < total % locations else 0)


def _quantities(data: ShopData, level: InventoryLevel, a: dict[str, Any]) -> list[dict[str, Any]]:
    v = level.variant
    n, i = max(1, data.locations), level.index
    available, committed = share(v.available, n, i), share(v.committed, n, i)
    values = {
        "available": available,
        "committed": committed,
        "incoming": share(v.incoming, n, i),
        "on_hand": available + committed,
        "reserved": 0,
    }
    return [
        {
            "id": f"gid://shopify/InventoryQuantity/{v.id}-{i + 1}?name={name}",
            "name": name,
            "quantity": values[name],
            "updatedAt": iso(v.updated_at),
        }
        for name in a["names"]
        if name in values
    ]


INVENTORY_TYPES: dict[str, dict[str, Resolver]] = {
    "InventoryItem": {
        "id": lambda d, o, a: gid("InventoryItem", o.variant.id),
        "legacyResourceId": lambda d, o, a: str(o.variant.id),
        "sku": lambda d, o, a: o.variant.sku,
        "tracked": lambda d, o, a: o.variant.tracked,
        "variant": lambda d, o, a: o.variant,
        # One variant per inventory item in the sandbox (Shopify may link several).
        "variants": lambda d, o, a: connection([o.variant], a),
        # A tracked item is stocked at every location of the shop (its stock spread over them).
        "inventoryLevels": lambda d, o, a: connection(
            [InventoryLevel(o.variant, i) for i in range(max(1, d.locations))]
            if o.variant.tracked
            else [],
            a,
        ),
    },
    "Location": {
        "id": lambda d, o, a: gid("Location", o.id),
    },
    "InventoryLevel": {
        "id": lambda d, o, a: (
            f"gid://shopify/InventoryLevel/{o.index + 1}?inventory_item_id={o.variant.id}"
        ),
        "location": lambda d, o, a: location(o.index),
        "quantities": _quantities,
    },
}
