"""Shops, products and variants in the state store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from connector.db import schema as t
from connector.db.store_base import SharedValues, StoreBase, chunks, streamed, upsert
from connector.model import InventoryPolicy, Platform, Product, Shop, StockStatus, Variant

__all__ = ["CatalogStore"]


class CatalogStore(StoreBase):
    """Catalog state: what each shop sells and what its storefront currently shows."""

    def upsert_shop(self, shop: Shop) -> None:
        with self._conn() as conn:
            upsert(conn, t.shops, [_shop_row(shop)])

    def shops(self) -> list[Shop]:
        with self._conn() as conn:
            rows = conn.execute(sa.select(t.shops).order_by(t.shops.c.name)).mappings()
            return [_shop(row) for row in rows]

    def upsert_products(self, products: Iterable[Product]) -> int:
        """Insert or update products by (shop, platform id); a stale copy never replaces a newer one."""
        rows = [_product_row(p) for p in products]
        with self._conn() as conn:
            upsert(conn, t.products, rows, newer_column="updated_at")
        return len(rows)

    def upsert_variants(self, variants: Iterable[Variant]) -> int:
        """Insert or update variants by (shop, platform id); a stale copy never replaces a newer one."""
        rows = [_variant_row(v) for v in variants]
        with self._conn() as conn:
            upsert(conn, t.variants, rows, newer_column="updated_at")
        return len(rows)

    def delete_products(self, shop: str, product_ids: Sequence[str]) -> int:
        """Forget products the platform deleted, with their variants; returns products removed."""
        removed = 0
        with self._conn() as conn:
            for part in chunks(list(product_ids)):
                conn.execute(
                    sa.delete(t.variants).where(
                        t.variants.c.shop == shop, t.variants.c.product_id.in_(part)
                    )
                )
                result = conn.execute(
                    sa.delete(t.products).where(
                        t.products.c.shop == shop, t.products.c.platform_id.in_(part)
                    )
                )
                removed += result.rowcount
        return removed

    def products(self, shop: str) -> list[Product]:
        query = sa.select(t.products).where(t.products.c.shop == shop)
        with self._conn() as conn:
            rows = streamed(conn, query.order_by(t.products.c.platform_id)).mappings()
            shared = SharedValues()
            return [_product(row, shared) for row in rows]

    def product(self, shop: str, product_id: str) -> Product | None:
        query = sa.select(t.products).where(
            t.products.c.shop == shop, t.products.c.platform_id == product_id
        )
        with self._conn() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _product(row)

    def products_in_collection(self, shop: str, key: str) -> set[str]:
        """Ids of the stored products of ``shop`` whose ``collections`` hold ``key`` exactly."""
        # The JSON text narrows it down in SQL on both databases; the exact test is ours.
        query = sa.select(t.products.c.platform_id, t.products.c.collections).where(
            t.products.c.shop == shop,
            sa.cast(t.products.c.collections, sa.Text).contains(json.dumps(key), autoescape=True),
        )
        with self._conn() as conn:
            rows = conn.execute(query).all()
        return {str(row[0]) for row in rows if key in row[1]}

    def variants(self, shop: str, product_id: str | None = None) -> list[Variant]:
        query = sa.select(t.variants).where(t.variants.c.shop == shop)
        if product_id is not None:
            query = query.where(t.variants.c.product_id == product_id)
        with self._conn() as conn:
            rows = streamed(conn, query.order_by(t.variants.c.platform_id)).mappings()
            shared = SharedValues()
            return [_variant(row, shared) for row in rows]

    def products_by_ids(self, shop: str, product_ids: Iterable[str]) -> list[Product]:
        """The products of ``shop`` with these platform ids (unknown ids are left out)."""
        found: list[Product] = []
        with self._conn() as conn:
            for part in chunks(sorted(set(product_ids))):
                query = sa.select(t.products).where(
                    t.products.c.shop == shop, t.products.c.platform_id.in_(part)
                )
                found.extend(_product(row) for row in conn.execute(query).mappings())
        return sorted(found, key=lambda product: product.platform_id)

    def variants_by_ids(self, shop: str, variant_ids: Iterable[str]) -> list[Variant]:
        """The variants of ``shop`` with these platform ids (unknown ids are left out)."""
        found: list[Variant] = []
        with self._conn() as conn:
            for part in chunks(sorted(set(variant_ids))):
                query = sa.select(t.variants).where(
                    t.variants.c.shop == shop, t.variants.c.platform_id.in_(part)
                )
                found.extend(_variant(row) for row in conn.execute(query).mappings())
        return sorted(found, key=lambda variant: variant.platform_id)

    def variant_by_sku(self, shop: str, sku: str) -> Variant | None:
        """The variant selling ``sku``; when a shop reuses a SKU, the most recently updated one."""
        query = (
            sa.select(t.variants)
            .where(t.variants.c.shop == shop, t.variants.c.sku == sku)
            .order_by(t.variants.c.updated_at.desc(), t.variants.c.platform_id)
        )
        with self._conn() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _variant(row)


def _shop_row(shop: Shop) -> dict[str, Any]:
    return {
        "name": shop.name,
        "platform": shop.platform.value,
        "currency": shop.currency,
        "locale": shop.locale,
        "timezone": shop.timezone,
        "domain": shop.domain,
    }


def _shop(row: sa.RowMapping) -> Shop:
    return Shop(
        name=row["name"],
        platform=Platform(row["platform"]),
        currency=row["currency"],
        locale=row["locale"],
        timezone=row["timezone"],
        domain=row["domain"],
    )


def _product_row(p: Product) -> dict[str, Any]:
    return {
        "shop": p.shop,
        "platform_id": p.platform_id,
        "title": p.title,
        "updated_at": p.updated_at,
        "product_type": p.product_type,
        "vendor": p.vendor,
        "status": p.status,
        "tags": p.tags,
        "collections": p.collections,
        "handle": p.handle,
    }


def _product(row: sa.RowMapping, shared: SharedValues | None = None) -> Product:
    shared = shared or SharedValues()
    return Product(
        shop=shared.text(row["shop"]),
        platform_id=row["platform_id"],
        title=row["title"],
        updated_at=row["updated_at"],
        product_type=row["product_type"],
        vendor=row["vendor"],
        status=row["status"],
        tags=row["tags"],
        collections=row["collections"],
        handle=row["handle"],
    )


def _variant_row(v: Variant) -> dict[str, Any]:
    return {
        "shop": v.shop,
        "platform_id": v.platform_id,
        "product_id": v.product_id,
        "sku": v.sku,
        "title": v.title,
        "price": v.price.amount,
        "currency": v.price.currency,
        "updated_at": v.updated_at,
        "tracked": v.tracked,
        "available": v.available,
        "committed": v.committed,
        "incoming": v.incoming,
        "inventory_policy": v.inventory_policy.value,
        "tags": v.tags,
        "release_date": v.release_date,
        "eta_label": v.eta_label,
        "eta_date": v.eta_date,
        "inventory_item_id": v.inventory_item_id,
        "untracked_status": v.untracked_status.value,
        "stock_pool": v.stock_pool,
    }


def _variant(row: sa.RowMapping, shared: SharedValues | None = None) -> Variant:
    shared = shared or SharedValues()
    return Variant(
        shop=shared.text(row["shop"]),
        platform_id=row["platform_id"],
        product_id=row["product_id"],
        sku=row["sku"],
        title=row["title"],
        price=shared.price(row["price"], shared.text(row["currency"])),
        updated_at=row["updated_at"],
        tracked=bool(row["tracked"]),
        available=row["available"],
        committed=row["committed"],
        incoming=row["incoming"],
        inventory_policy=InventoryPolicy(row["inventory_policy"]),
        tags=row["tags"],
        release_date=row["release_date"],
        eta_label=row["eta_label"],
        eta_date=row["eta_date"],
        inventory_item_id=row["inventory_item_id"],
        untracked_status=StockStatus(row["untracked_status"]),
        stock_pool=row["stock_pool"],
    )
