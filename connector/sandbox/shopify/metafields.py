"""Metafields on products and variants (the ETA label, the release date) as Shopify sets them."""

from __future__ import annotations

from datetime import date

from connector.sandbox.shopify.records import (
    METAFIELD_NAMESPACE,
    RELEASE_DATE_KEY,
    SMetafield,
    SProduct,
    SVariant,
    parse_gid,
)
from connector.sandbox.shopify.shop_records import ShopRecords

__all__ = ["MetafieldRules"]


class MetafieldRules(ShopRecords):
    """The metafield operations of :class:`~connector.sandbox.shopify.store.ShopData`."""

    def metafield(self, owner: SProduct | SVariant, namespace: str, key: str) -> SMetafield | None:
        for field in owner.metafields or ():
            if field.namespace == namespace and field.key == key:
                return field
        return None

    def set_metafield(
        self, owner: SProduct | SVariant, namespace: str, key: str, value: str, type_: str
    ) -> SMetafield:
        field = self.metafield(owner, namespace, key)
        now = self.clock()
        if field is None:
            field = SMetafield(self.next_id(), namespace, key, value, type_, now)
            owner.metafields = [*(owner.metafields or ()), field]
        elif field.value != value or field.type != type_:
            field.value, field.type, field.updated_at = value, type_, now
        owner.updated_at = now
        return field

    def delete_metafield(self, owner: SProduct | SVariant, namespace: str, key: str) -> bool:
        field = self.metafield(owner, namespace, key)
        if field is None:
            return False
        owner.metafields = [m for m in owner.metafields or () if m is not field]
        owner.updated_at = self.clock()
        return True

    def metafield_owner(self, owner_id: str) -> SProduct | SVariant | None:
        """The product or variant a metafield ``ownerId`` names, if it exists."""
        ref = parse_gid(owner_id)
        if ref is None:
            return None
        if ref[0] == "Product":
            return self.products.get(ref[1])
        return self.variants.get(ref[1]) if ref[0] == "ProductVariant" else None

    def set_release_date(self, sku: str, release: date | None) -> None:
        """The merchant sets (or clears) the product's release date metafield."""
        product = self.products[self.variant_by_sku(sku).product_id]
        if release is None:
            self.delete_metafield(product, METAFIELD_NAMESPACE, RELEASE_DATE_KEY)
        else:
            self.set_metafield(
                product, METAFIELD_NAMESPACE, RELEASE_DATE_KEY, release.isoformat(), "date"
            )
