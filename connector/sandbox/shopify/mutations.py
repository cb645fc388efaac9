"""Mutation resolvers: Shopify's rules for bad input come back as ``userErrors``, never as crashes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.sandbox.shopify.connections import MAX_PAGE
from connector.sandbox.shopify.definitions import create_definition
from connector.sandbox.shopify.edit_sessions import EDIT_MUTATIONS
from connector.sandbox.shopify.fulfillment_mutations import FULFILLMENT_MUTATIONS
from connector.sandbox.shopify.mandates import MANDATE_MUTATIONS
from connector.sandbox.shopify.order_edits import refund_create
from connector.sandbox.shopify.order_money import ORDER_MONEY_MUTATIONS
from connector.sandbox.shopify.payments import PAYMENT_MUTATIONS
from connector.sandbox.shopify.records import SProduct, SVariant, SWebhook, gid, parse_gid
from connector.sandbox.shopify.resolvers import find_node
from connector.sandbox.shopify.selling_plans import GROUP_MUTATIONS
from connector.sandbox.shopify.store import ShopData

__all__ = ["MUTATIONS"]

Mutation = Callable[[ShopData, dict[str, Any]], dict[str, Any]]


def error(field: list[str], message: str, code: str | None = None) -> dict[str, Any]:
    """One ``userErrors`` entry as Shopify writes it."""
    return {"field": field, "message": message, "code": code}


def _too_many(field: str, items: list[Any]) -> dict[str, Any] | None:
    if len(items) > MAX_PAGE:
        return error(
            [field],
            f"The input array size of {len(items)} is greater than the maximum allowed of {MAX_PAGE}.",
            "INVALID",
        )
    return None


def variants_bulk_update(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_gid(a["productId"], "Product")
    product = data.products.get(parsed[1]) if parsed else None
    if product is None:
        return {
            "product": None,
            "productVariants": None,
            "userErrors": [
                error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
            ],
        }
    too_many = _too_many("variants", a["variants"])
    if too_many:
        return {"product": None, "productVariants": None, "userErrors": [too_many]}
    errors, changed = [], []
    for index, item in enumerate(a["variants"]):
        ref = parse_gid(item.get("id") or "", "ProductVariant")
        variant = data.variants.get(ref[1]) if ref else None
        if variant is None or variant.product_id != product.id:
            errors.append(
                error(
                    ["variants", str(index), "id"],
                    "Product variant does not exist",
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
            continue
        changed.append(variant)
    if errors and not a.get("allowPartialUpdates"):
        return {"product": None, "productVariants": None, "userErrors": errors}
    for item in a["variants"]:
        ref = parse_gid(item.get("id") or "", "ProductVariant")
        variant = data.variants.get(ref[1]) if ref else None
        if variant is None or variant.product_id != product.id:
            continue
        if item.get("inventoryPolicy") and item["inventoryPolicy"] != variant.policy:
            variant.policy = item["inventoryPolicy"]
            variant.updated_at = data.clock()
            product.updated_at = data.clock()
            data.emit("products/update", {"product": product.id})
    return {"product": product, "productVariants": changed, "userErrors": errors}


def _tags(data: ShopData, a: dict[str, Any], add: bool) -> dict[str, Any]:
    node = find_node(data, a["id"])
    if (
        node is None
        or not hasattr(node, "tags")
        or type(node).__name__ not in ("SProduct", "SOrder")
    ):
        return {"node": None, "userErrors": [error(["id"], "Resource not found")]}
    tags = [t.strip() for t in a["tags"] for t in t.split(",") if t.strip()]
    before = list(node.tags)
    if add:
        node.tags.extend(t for t in tags if t.lower() not in {x.lower() for x in node.tags})
    else:
        lowered = {t.lower() for t in tags}
        node.tags[:] = [t for t in node.tags if t.lower() not in lowered]
    if node.tags != before:
        node.updated_at = data.clock()
        kind = type(node).__name__
        data.emit(
            "products/update" if kind == "SProduct" else "orders/updated",
            {"product" if kind == "SProduct" else "order": node.id},
        )
    return {"node": node, "userErrors": []}


def _product_id(owner: SProduct | SVariant) -> int:
    return owner.id if isinstance(owner, SProduct) else owner.product_id


def metafields_set(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    items = a["metafields"]
    if len(items) > 25:
        return {
            "metafields": None,
            "userErrors": [
                error(
                    ["metafields"],
                    "Exceeded the maximum metafields input limit of 25.",
                    "LESS_THAN_OR_EQUAL_TO",
                )
            ],
        }
    errors = []
    for index, item in enumerate(items):
        variant = data.metafield_owner(item["ownerId"])
        if variant is None:
            errors.append(
                error(
                    ["metafields", str(index), "ownerId"], "Owner does not exist.", "INVALID_VALUE"
                )
                | {"elementIndex": index}
            )
        elif not item.get("type"):
            errors.append(
                error(["metafields", str(index), "type"], "Type can't be blank.", "BLANK")
                | {"elementIndex": index}
            )
        elif item.get("compareDigest") is not None:
            current = data.metafield(variant, item.get("namespace") or "", item["key"])
            if current is None or current.compare_digest != item["compareDigest"]:
                errors.append(
                    error(
                        ["metafields", str(index)],
                        "The resource has been updated since it was loaded. Try again with an updated `compareDigest` value.",
                        "STALE_OBJECT",
                    )
                    | {"elementIndex": index}
                )
    if errors:
        # metafieldsSet is atomic: one bad item and nothing is written.
        return {"metafields": [], "userErrors": errors}
    written = []
    for item in items:
        owner = data.metafield_owner(item["ownerId"])
        assert owner is not None
        written.append(
            data.set_metafield(
                owner, item.get("namespace") or "", item["key"], item["value"], item["type"]
            )
        )
        data.emit("products/update", {"product": _product_id(owner)})
    return {"metafields": written, "userErrors": []}


def metafields_delete(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    deleted: list[dict[str, Any] | None] = []
    for item in a["metafields"]:
        owner = data.metafield_owner(item["ownerId"])
        if owner is None or not data.delete_metafield(owner, item["namespace"], item["key"]):
            # Shopify answers null for a metafield that was not there, without an error.
            deleted.append(None)
            continue
        deleted.append(dict(item))
        data.emit("products/update", {"product": _product_id(owner)})
    return {"deletedMetafields": deleted, "userErrors": []}


def order_update(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    data_in = a["input"]
    node = find_node(data, data_in["id"])
    if node is None or type(node).__name__ != "SOrder":
        return {"order": None, "userErrors": [error(["id"], "Order does not exist")]}
    if "note" in data_in and data_in["note"] != node.note:
        node.note = data_in["note"]
        data.touch_order(node)
    return {"order": node, "userErrors": []}


def discount_create(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    spec = a["basicCodeDiscount"]
    code = (spec.get("code") or "").strip()
    if not code:
        return {
            "codeDiscountNode": None,
            "userErrors": [error(["basicCodeDiscount", "code"], "Code can't be blank", "BLANK")],
        }
    if code.upper() in data.discount_codes:
        return {
            "codeDiscountNode": None,
            "userErrors": [
                error(
                    ["basicCodeDiscount", "code"],
                    "Code must be unique. Please try a different code.",
                    "TAKEN",
                )
            ],
        }
    percentage = ((spec.get("customerGets") or {}).get("value") or {}).get("percentage")
    customers = ((spec.get("context") or {}).get("customers") or {}).get("add") or []
    node_id = gid("DiscountCodeNode", data.next_id())
    data.discount_codes[code.upper()] = {
        "id": node_id,
        "code": code,
        "title": spec.get("title"),
        "percentage": percentage,
        "customers": list(customers),
        "usage_limit": spec.get("usageLimit"),
    }
    return {"codeDiscountNode": {"id": node_id, "__typename": "DiscountCodeNode"}, "userErrors": []}


def webhook_create(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    uri = (a["webhookSubscription"].get("uri") or "").strip()
    if not uri.startswith(("http://", "https://")):
        return {
            "webhookSubscription": None,
            "userErrors": [error(["webhookSubscription", "callbackUrl"], "Address is invalid")],
        }
    topic = a["topic"]
    if any(w.topic == topic and w.uri == uri for w in data.webhooks.values()):
        return {
            "webhookSubscription": None,
            "userErrors": [
                error(
                    ["webhookSubscription", "callbackUrl"],
                    "Address for this topic has already been taken",
                )
            ],
        }
    hook = SWebhook(data.next_id(), topic, uri, data.clock())
    data.webhooks[hook.id] = hook
    return {"webhookSubscription": hook, "userErrors": []}


MUTATIONS: dict[str, Mutation] = {
    "productVariantsBulkUpdate": variants_bulk_update,
    "tagsAdd": lambda d, a: _tags(d, a, add=True),
    "tagsRemove": lambda d, a: _tags(d, a, add=False),
    "metafieldsSet": metafields_set,
    "metafieldsDelete": metafields_delete,
    "orderUpdate": order_update,
    **FULFILLMENT_MUTATIONS,
    **PAYMENT_MUTATIONS,
    **ORDER_MONEY_MUTATIONS,
    **GROUP_MUTATIONS,
    **MANDATE_MUTATIONS,
    **EDIT_MUTATIONS,
    "discountCodeBasicCreate": discount_create,
    "webhookSubscriptionCreate": webhook_create,
    "refundCreate": refund_create,
    "metafieldDefinitionCreate": create_definition,
}
