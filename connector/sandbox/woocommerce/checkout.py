"""What a storefront checkout refuses (the REST API refuses none of it)."""

from __future__ import annotations

from collections.abc import Iterable

from connector.sandbox.woocommerce.catalog import Catalog
from connector.sandbox.woocommerce.records import Item

__all__ = ["refusal"]


def _by_sku(catalog: Catalog, sku: str) -> Item:
    item_id = catalog.by_sku.get(sku)
    if item_id is None:
        raise KeyError(f"no product or variation with SKU {sku!r}")
    return catalog.items[item_id]


def refusal(catalog: Catalog, lines: Iterable[tuple[str, int]]) -> str | None:
    """Why a storefront checkout refuses ``lines``, or None when it takes them.

    Like ``WC_Cart::check_cart_item_stock``: quantities are summed per item whose stock is
    sold (two lines of one SKU, or variations selling their parent's stock, count together)
    and a managed item that does not allow backorders refuses more than it has; an unmanaged
    item refuses only when marked out of stock. The REST API checks none of this.
    """
    wanted: dict[int, int] = {}
    owners: dict[int, Item] = {}
    names: dict[int, str] = {}
    count = 0
    for sku, quantity in lines:
        count += 1
        if quantity <= 0:
            return f"quantity must be positive for {sku}"
        item = _by_sku(catalog, sku)
        managed = catalog.manage_stock_option
        owner = catalog.stock_owner(item) if managed else item
        if not (managed and owner.manage_stock) and item.stock_status == "outofstock":
            return f"{sku} is out of stock"
        owners[owner.id] = owner
        names.setdefault(owner.id, sku)
        wanted[owner.id] = wanted.get(owner.id, 0) + quantity
    if count == 0:
        return "an order needs at least one line"
    for owner_id, quantity in wanted.items():
        owner = owners[owner_id]
        if not (catalog.manage_stock_option and owner.manage_stock):
            continue
        if owner.backorders == "no" and max(0, owner.stock or 0) < quantity:
            return f"{names[owner_id]} is out of stock and does not allow backorders"
    return None
