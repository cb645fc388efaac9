"""WooCommerce's catalog rules: derived stock fields, parent-managed stock, tags, meta.

These are the rules a real WooCommerce 7.9 store applies on every product save
(``WC_Product::validate_props``), not a dict store: a written ``stock_status`` is overridden when
stock is managed, ``backorders`` is forced to ``no`` when it is not, tags are replaced as a whole set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.sandbox.woocommerce.records import Item, Meta

__all__ = ["BACKORDERS", "STOCK_STATUSES", "Catalog", "WooError"]

BACKORDERS = ("no", "notify", "yes")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")


UNCATEGORIZED = 15
"""The default product category every WooCommerce store has (id 15 on a fresh install)."""


class WooError(Exception):
    """An error WooCommerce answers with: ``{"code", "message", "data": {"status", ...}}``."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


def invalid_param(name: str, message: str) -> WooError:
    return WooError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        params={name: message},
        details={name: {"code": "rest_invalid_param", "message": message, "data": None}},
    )


class Catalog:
    """Products, variations and tags, with WooCommerce's derivations.

    ``manage_stock_option`` is the store-wide ``woocommerce_manage_stock`` option: when off, writes of
    ``manage_stock`` and ``backorders`` are ignored, as WooCommerce does.
    """

    def __init__(self, now: Callable[[], int], next_id: Callable[[], int]) -> None:
        self._now = now
        self._next_id = next_id
        self.manage_stock_option = True
        self.items: dict[int, Item] = {}
        self.by_sku: dict[str, int] = {}
        self.tags: dict[int, tuple[str, str]] = {}
        self.tag_by_name: dict[str, int] = {}
        self.next_meta_id = 1000
        self.next_tag_id = 16
        # Categories share the term ids with tags, as WordPress terms do; 15 is the default one.
        self.categories: dict[int, tuple[str, str]] = {
            UNCATEGORIZED: ("Uncategorized", "uncategorized")
        }
        self.on_change: Callable[[Item], None] = lambda item: None

    # --- tags -------------------------------------------------------------------------------
    def tag_id(self, name: str) -> int:
        """The id of tag ``name``, created when missing (as ``{"name": x}`` does)."""
        found = self.tag_by_name.get(name.lower())
        if found is not None:
            return found
        tag_id = self.next_tag_id
        self.next_tag_id += 1
        slug = "-".join(name.lower().split())
        self.tags[tag_id] = (name, slug)
        self.tag_by_name[name.lower()] = tag_id
        return tag_id

    def category_id(self, name: str) -> int:
        """The id of category ``name``, created when missing (``POST /products/categories``)."""
        for category_id, (known, _) in self.categories.items():
            if known.lower() == name.lower():
                return category_id
        category_id = self.next_tag_id
        self.next_tag_id += 1
        self.categories[category_id] = (name, "-".join(name.lower().split()))
        return category_id

    def resolve_categories(self, entries: list[Any]) -> list[int] | None:
        """A product's categories are set by id only (``save_taxonomy_terms`` plucks ``id``);
        unknown ids are dropped, and none left means the default category."""
        ids: list[int] = []
        for entry in entries:
            raw = str(entry.get("id", "")) if isinstance(entry, dict) else ""
            if raw.isdigit() and int(raw) in self.categories and int(raw) not in ids:
                ids.append(int(raw))
        return ids or None

    def resolve_tags(self, entries: list[Any]) -> list[int]:
        """Tags as WooCommerce 7.9 resolves them: a slug-only entry or an unknown id clears them all."""
        ids: list[int] = []
        for entry in entries:
            if not isinstance(entry, dict):
                return []
            if entry.get("name"):
                ids.append(self.tag_id(str(entry["name"])))
            elif "id" in entry and int(entry["id"]) in self.tags:
                ids.append(int(entry["id"]))
            else:
                return []
        return sorted(set(ids), key=lambda i: self.tags[i][1])

    # --- meta ---------------------------------------------------------------------------------
    def upsert_meta(self, meta: Meta | None, entries: list[Any]) -> Meta | None:
        """Meta entries upsert by key (or by id); ``value: null`` deletes the key."""
        rows = meta or []
        for entry in entries:
            if not isinstance(entry, dict) or "key" not in entry:
                continue
            key, value = str(entry["key"]), entry.get("value")
            existing = [row for row in rows if row[1] == key]
            if value is None:
                rows = [row for row in rows if row[1] != key]
            elif existing:
                existing[0][2] = value
            else:
                self.next_meta_id += 1
                rows.append([self.next_meta_id, key, value])
        return rows or None

    # --- stock --------------------------------------------------------------------------------
    def stock_owner(self, item: Item) -> Item:
        """The item whose stock this one sells: the parent when the variation defers to it."""
        if item.parent and not item.manage_stock:
            parent = self.items.get(item.parent)
            if parent is not None and parent.manage_stock:
                return parent
        return item

    def validate(self, item: Item) -> None:
        """``validate_props``: derive the stock status from quantity and backorders."""
        if not item.manage_stock:
            item.backorders = "no"
            item.stock = None
            owner = self.stock_owner(item)
            if owner is not item:
                item.stock_status = owner.stock_status
            return
        stock = item.stock or 0
        if stock > 0:
            item.stock_status = "instock"
        elif item.backorders != "no":
            item.stock_status = "onbackorder"
        else:
            item.stock_status = "outofstock"

    def touch(self, item: Item) -> None:
        item.modified = self._now()
        self.on_change(item)

    def change_stock(self, item: Item, delta: int) -> Item:
        """Move stock where it is kept (the parent for parent-managed variations); returns the owner.

        A variation's own stock change also touches its parent, as WooCommerce's variable product
        sync does; a parent-managed variation's ``date_modified`` does not move.
        """
        owner = self.stock_owner(item)
        if not owner.manage_stock:
            return owner
        owner.stock = (owner.stock or 0) + delta
        self.validate(owner)
        self.touch(owner)
        if owner.kind == "variable":
            for child_id in owner.children or ():
                self.validate(self.items[child_id])
        elif owner.parent:
            self.touch(self.items[owner.parent])
        return owner

    # --- writes -------------------------------------------------------------------------------
    def apply(self, item: Item, data: dict[str, Any], *, validate_input: bool = True) -> None:
        """Apply a product or variation write. Batches skip input validation, as on WooCommerce."""
        if validate_input:
            check_product_input(data)
        if "name" in data and item.kind != "variation":
            item.name = str(data["name"])
        if "sku" in data:
            sku = str(data["sku"])
            other = self.by_sku.get(sku)
            if sku and other is not None and other != item.id:
                raise WooError(
                    400,
                    "product_invalid_sku",
                    "Invalid or duplicated SKU.",
                    resource_id=other,
                    unique_sku=sku,
                )
            if item.sku:
                self.by_sku.pop(item.sku, None)
            item.sku = sku
            if sku:
                self.by_sku[sku] = item.id
        if "regular_price" in data:
            item.price = str(data["regular_price"])
        if "status" in data:
            item.status = str(data["status"])
        option = self.manage_stock_option
        if option and "manage_stock" in data:
            item.manage_stock = data["manage_stock"] in (True, "true", "1", 1, "yes")
        if "stock_quantity" in data and data["stock_quantity"] is not None:
            item.stock = int(data["stock_quantity"])
        if option and "backorders" in data:
            item.backorders = str(data["backorders"])
        if "stock_status" in data:
            item.stock_status = str(data["stock_status"])
        if "tags" in data and item.kind != "variation":
            tags = self.resolve_tags(list(data["tags"] or []))
            item.tags = tags or None
        if "categories" in data and item.kind != "variation":
            item.categories = self.resolve_categories(list(data["categories"] or []))
        if "meta_data" in data:
            item.meta = self.upsert_meta(item.meta, list(data["meta_data"] or []))
        if item.manage_stock and item.stock is None:
            item.stock = 0
        self.validate(item)
        for child_id in item.children or ():
            self.validate(self.items[child_id])
        self.touch(item)

    def create(self, data: dict[str, Any], parent: Item | None = None) -> Item:
        kind = "variation" if parent is not None else str(data.get("type", "simple"))
        if kind not in ("simple", "variable", "variation"):
            raise invalid_param(
                "type", "type is not one of simple, grouped, external, and variable."
            )
        item = Item(
            self._next_id(), kind, str(data.get("name", "")), sku="", price="", now=self._now()
        )
        if parent is not None:
            item.parent = parent.id
            item.name = parent.name
            if parent.children is not None:
                parent.children.append(item.id)
        self.items[item.id] = item
        try:
            self.apply(item, data)
        except WooError:
            del self.items[item.id]
            if parent is not None and parent.children is not None:
                parent.children.remove(item.id)
            raise
        return item


def check_product_input(data: dict[str, Any]) -> None:
    """The schema checks a single (non-batch) request gets."""
    if "backorders" in data and data["backorders"] not in BACKORDERS:
        raise invalid_param("backorders", "backorders is not one of no, notify, and yes.")
    if "stock_status" in data and data["stock_status"] not in STOCK_STATUSES:
        raise invalid_param(
            "stock_status", "stock_status is not one of instock, outofstock, and onbackorder."
        )
    quantity = data.get("stock_quantity")
    if quantity is not None and (not isinstance(quantity, int) or isinstance(quantity, bool)):
        raise invalid_param("stock_quantity", "stock_quantity is not of type integer.")
    if "regular_price" in data and not isinstance(data["regular_price"], str):
        raise invalid_param("regular_price", "regular_price is not of type string.")
