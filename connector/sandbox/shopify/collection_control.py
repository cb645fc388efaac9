"""What a merchant does with collections in the admin, as sandbox control methods (in-process and
over ``/__sandbox/``): create custom and smart collections, put products in and take them out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connector.sandbox.shopify import collections as colls
from connector.sandbox.shopify.records import gid, parse_gid

if TYPE_CHECKING:
    from connector.sandbox.shopify.store import ShopData

__all__ = ["CollectionControl", "collection_route"]


class CollectionControl:
    """Mixed into :class:`~connector.sandbox.shopify.app.ShopifySandbox`."""

    data: ShopData

    def _collection(self, ref: str) -> colls.SCollection:
        """A collection by GID or handle (``KeyError`` when there is none)."""
        parsed = parse_gid(ref, "Collection")
        if parsed is not None and parsed[1] in self.data.collections:
            return self.data.collections[parsed[1]]
        for collection in self.data.collections.values():
            if collection.handle == ref:
                return collection
        raise KeyError(f"no collection {ref!r}")

    def _product_ids(self, skus: Sequence[str]) -> list[int]:
        return [self.data.variants[self.data.by_sku[sku]].product_id for sku in skus]

    def create_collection(
        self,
        title: str,
        *,
        skus: Sequence[str] = (),
        rules: Sequence[tuple[str, str, str]] | None = None,
        handle: str | None = None,
        disjunctive: bool = False,
    ) -> str:
        """A custom collection holding the products of ``skus``, or a smart one with ``rules``
        (``("TAG", "EQUALS", "sofa")``); its GID."""
        with self.data.lock:
            collection = colls.create_collection(
                self.data,
                title,
                handle=handle,
                product_ids=self._product_ids(skus),
                rules=[tuple(rule) for rule in rules] if rules is not None else None,  # type: ignore[misc]
                disjunctive=disjunctive,
            )
        return gid("Collection", collection.id)

    def add_to_collection(self, collection: str, *skus: str) -> None:
        """Put the products of ``skus`` in a custom collection by hand (one collections/update)."""
        with self.data.lock:
            colls.set_members(self.data, self._collection(collection), add=self._product_ids(skus))

    def remove_from_collection(self, collection: str, *skus: str) -> None:
        """Take the products of ``skus`` out of a custom collection by hand."""
        with self.data.lock:
            colls.set_members(
                self.data, self._collection(collection), remove=self._product_ids(skus)
            )

    def set_collection_rules(
        self, collection: str, rules: Sequence[tuple[str, str, str]], disjunctive: bool = False
    ) -> None:
        """Change a smart collection's rules."""
        with self.data.lock:
            colls.set_rules(self.data, self._collection(collection), rules, disjunctive)

    def delete_collection(self, collection: str) -> None:
        with self.data.lock:
            colls.delete_collection(self.data, self._collection(collection))

    def collections_of(self, sku: str) -> list[str]:
        """The handles of the collections holding the product of ``sku``, as the storefront shows."""
        with self.data.lock:
            product = self.data.products[self._product_ids([sku])[0]]
            return [c.handle for c in colls.collections_of(self.data, product)]


def collection_route(store: CollectionControl, name: str, args: dict[str, Any]) -> Any:
    """``POST /__sandbox/{create_collection|add_to_collection|remove_from_collection}``; None
    for another route."""
    if name == "create_collection":
        rules = args.get("rules")
        return {
            "id": store.create_collection(
                str(args["title"]),
                skus=[str(s) for s in args.get("skus") or ()],
                rules=[(str(c), str(r), str(v)) for c, r, v in rules] if rules else None,
                handle=args.get("handle"),
            )
        }
    if name == "add_to_collection":
        store.add_to_collection(str(args["collection"]), *map(str, args["skus"]))
        return {"ok": True}
    if name == "remove_from_collection":
        store.remove_from_collection(str(args["collection"]), *map(str, args["skus"]))
        return {"ok": True}
    return None
