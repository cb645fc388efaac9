"""Field resolvers for the sandbox's query types, as one table shared by the executor and bulk runs.

``FIELDS[type][field](data, obj, args)`` gives a field's value; a field without an entry is read as
the attribute or key of the same name. Bulk operations walk the same table, so a bulk JSONL line
and a paged answer agree on every value. The pager, search and counts are in :mod:`.connections`,
inventory items and levels in :mod:`.inventory`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.sandbox.shopify.collections import (
    COLLECTION_FIELDS,
    COLLECTION_ROOTS,
    SCollection,
    product_collections,
)
from connector.sandbox.shopify.connections import (
    closed,
    connection,
    count_records,
    order_field,
    product_field,
    search_connection,
    variant_field,
)
from connector.sandbox.shopify.inventory import (
    INVENTORY_TYPES,
    InventoryItem,
    InventoryLevel,
    Location,
    location,
)
from connector.sandbox.shopify.mandates import ORDER_MANDATE_FIELDS
from connector.sandbox.shopify.order_edits import suggested_refund
from connector.sandbox.shopify.order_money import (
    LINE_MONEY_FIELDS,
    ORDER_MONEY_FIELDS,
    ORDER_MONEY_TYPES,
)
from connector.sandbox.shopify.payments import ORDER_PAYMENT_FIELDS, PAYMENT_TYPES, STransaction
from connector.sandbox.shopify.records import (
    SCustomer,
    SFulfillmentOrder,
    SHold,
    SLine,
    SMetafield,
    SOrder,
    SProduct,
    SRefund,
    SVariant,
    SWebhook,
    gid,
    iso,
    money_bag,
    parse_gid,
)
from connector.sandbox.shopify.refunds import (
    REFUND_FIELDS,
    REFUND_LINE_FIELDS,
    RefundLine,
    order_refunds,
    order_total_refunded,
    refund_lines,
)
from connector.sandbox.shopify.selling_plans import (
    GROUP_FIELDS,
    SGroup,
    SPlan,
    plans_of,
    selling_plan_groups,
)
from connector.sandbox.shopify.store import PREORDER_PLAN, ShopData

__all__ = ["FIELDS", "TYPE_OF", "find_node", "supported_actions"]


Resolver = Callable[[ShopData, Any, dict[str, Any]], Any]


class FOLine:
    __slots__ = ("fo", "line_id", "remaining", "total")

    def __init__(self, fo: SFulfillmentOrder, line_id: int, total: int, remaining: int) -> None:
        self.fo = fo
        self.line_id = line_id
        self.total = total
        self.remaining = remaining

    @property
    def id(self) -> int:
        return self.fo.id * 1000 + sorted(self.fo.remaining).index(self.line_id)


def find_node(data: ShopData, value: str) -> Any:
    parsed = parse_gid(value)
    if parsed is None:
        return None
    kind, number = parsed
    table: dict[str, dict[int, Any]] = {
        "Product": data.products,
        "ProductVariant": data.variants,
        "Order": data.orders,
        "LineItem": data.lines,
        "FulfillmentOrder": data.fulfillment_orders,
        "Customer": data.customers,
        "WebhookSubscription": data.webhooks,
        "Collection": data.collections,
        "SellingPlanGroup": plans_of(data).groups,
    }
    if kind in table:
        return table[kind].get(number)
    if kind == "InventoryItem" and number in data.variants:
        return InventoryItem(data.variants[number])
    return None


TYPE_OF: dict[type, str] = {
    SProduct: "Product",
    SVariant: "ProductVariant",
    SOrder: "Order",
    SLine: "LineItem",
    SFulfillmentOrder: "FulfillmentOrder",
    SCustomer: "Customer",
    SHold: "FulfillmentHold",
    SMetafield: "Metafield",
    SWebhook: "WebhookSubscription",
    SCollection: "Collection",
    SGroup: "SellingPlanGroup",
    SPlan: "SellingPlan",
    InventoryItem: "InventoryItem",
    InventoryLevel: "InventoryLevel",
    Location: "Location",
    FOLine: "FulfillmentOrderLineItem",
    SRefund: "Refund",
    RefundLine: "RefundLineItem",
    STransaction: "OrderTransaction",
}


def _metafield(data: ShopData, owner: SProduct | SVariant, a: dict[str, Any]) -> Any:
    return data.metafield(owner, a.get("namespace") or "", a["key"])


def _fo_lines(data: ShopData, fo: SFulfillmentOrder, a: dict[str, Any]) -> dict[str, Any]:
    rows = [FOLine(fo, line, total, rem) for line, (total, rem) in sorted(fo.remaining.items())]
    return connection(rows, a)


def _supported(data: ShopData, fo: SFulfillmentOrder, a: dict[str, Any]) -> list[dict[str, str]]:
    return [{"action": name} for name in supported_actions(fo)]


def supported_actions(fo: SFulfillmentOrder) -> list[str]:
    """What Shopify lets an app do with ``fo`` now (its ``supportedActions``)."""
    if fo.request_status in ("SUBMITTED", "ACCEPTED", "CANCELLATION_REQUESTED"):
        # Sent to a fulfillment service: only the service may act, the app may ask to cancel.
        return ["REQUEST_CANCELLATION"]
    return {
        "OPEN": ["CREATE_FULFILLMENT", "HOLD", "SPLIT", "MOVE", "CANCEL_FULFILLMENT_ORDER"],
        "ON_HOLD": ["RELEASE_HOLD", "HOLD", "MOVE"],
        "IN_PROGRESS": ["CREATE_FULFILLMENT", "HOLD"],
    }.get(fo.status, [])


def _line_plan(data: ShopData, line: SLine, a: dict[str, Any]) -> dict[str, Any] | None:
    """The plan a line was bought under; a seeded pre-order product's line shows the seed's plan."""
    plan = plans_of(data).line_plans.get(line.id)
    if plan is not None:
        return {"name": plan.name, "sellingPlanId": gid("SellingPlan", plan.id)}
    if line.preorder:
        return {"name": PREORDER_PLAN, "sellingPlanId": gid("SellingPlan", 1)}
    return None


def _order_fos(data: ShopData, order: SOrder, a: dict[str, Any]) -> dict[str, Any]:
    return connection([data.fulfillment_orders[f] for f in order.fo_ids], a)


FIELDS: dict[str, dict[str, Resolver]] = {
    "QueryRoot": {
        "node": lambda d, o, a: find_node(d, a["id"]),
        "nodes": lambda d, o, a: [find_node(d, i) for i in a["ids"]],
        "product": lambda d, o, a: find_node(d, a["id"]) if "/Product/" in a["id"] else None,
        "productVariant": lambda d, o, a: (
            find_node(d, a["id"]) if "/ProductVariant/" in a["id"] else None
        ),
        "order": lambda d, o, a: find_node(d, a["id"]) if "/Order/" in a["id"] else None,
        "fulfillmentOrder": lambda d, o, a: (
            find_node(d, a["id"]) if "/FulfillmentOrder/" in a["id"] else None
        ),
        "products": lambda d, o, a: search_connection(
            d.products.values(), a, lambda r, f: product_field(d, r, f)
        ),
        "productVariants": lambda d, o, a: search_connection(
            d.variants.values(), a, lambda r, f: variant_field(d, r, f)
        ),
        "orders": lambda d, o, a: search_connection(
            d.orders.values(), a, lambda r, f: order_field(d, r, f)
        ),
        "fulfillmentOrders": lambda d, o, a: connection(
            [
                fo
                for fo in d.fulfillment_orders.values()
                if a.get("includeClosed") or fo.status not in ("CLOSED", "CANCELLED")
            ],
            a,
        ),
        "productsCount": lambda d, o, a: count_records(d.products.values(), a, product_field, d),
        "productVariantsCount": lambda d, o, a: count_records(
            d.variants.values(), a, variant_field, d
        ),
        "ordersCount": lambda d, o, a: count_records(d.orders.values(), a, order_field, d),
        "locations": lambda d, o, a: connection(
            [location(i) for i in range(max(1, d.locations))], a
        ),
        "sellingPlanGroups": lambda d, o, a: selling_plan_groups(d, a),
        "webhookSubscriptions": lambda d, o, a: connection(
            [w for w in d.webhooks.values() if not a.get("topics") or w.topic in a["topics"]], a
        ),
        **COLLECTION_ROOTS,
    },
    "Product": {
        "id": lambda d, o, a: gid("Product", o.id),
        "legacyResourceId": lambda d, o, a: str(o.id),
        "productType": lambda d, o, a: o.product_type,
        "createdAt": lambda d, o, a: iso(o.created_at),
        "updatedAt": lambda d, o, a: iso(o.updated_at),
        "variants": lambda d, o, a: connection([d.variants[v] for v in o.variant_ids], a),
        "metafield": _metafield,
        "collections": product_collections,
    },
    **COLLECTION_FIELDS,
    "ProductVariant": {
        "id": lambda d, o, a: gid("ProductVariant", o.id),
        "legacyResourceId": lambda d, o, a: str(o.id),
        "displayName": lambda d, o, a: f"{d.products[o.product_id].title} - {o.title}",
        "inventoryPolicy": lambda d, o, a: o.policy,
        "inventoryQuantity": lambda d, o, a: o.available if o.tracked else 0,
        "inventoryItem": lambda d, o, a: InventoryItem(o),
        "product": lambda d, o, a: d.products[o.product_id],
        "createdAt": lambda d, o, a: iso(o.created_at),
        "updatedAt": lambda d, o, a: iso(o.updated_at),
        "metafield": _metafield,
        "metafields": lambda d, o, a: connection(
            [
                m
                for m in o.metafields or ()
                if (not a.get("namespace") or m.namespace == a["namespace"])
                and (not a.get("keys") or f"{m.namespace}.{m.key}" in a["keys"])
            ],
            a,
        ),
    },
    **INVENTORY_TYPES,
    "Metafield": {
        "id": lambda d, o, a: gid("Metafield", o.id),
        "compareDigest": lambda d, o, a: o.compare_digest,
        "updatedAt": lambda d, o, a: iso(o.updated_at),
    },
    "Customer": {
        "id": lambda d, o, a: gid("Customer", o.id),
        "displayName": lambda d, o, a: f"{o.first_name} {o.last_name}".strip() or o.email,
        "firstName": lambda d, o, a: o.first_name,
        "lastName": lambda d, o, a: o.last_name,
        "defaultEmailAddress": lambda d, o, a: {"emailAddress": o.email},
    },
    "Order": {
        "id": lambda d, o, a: gid("Order", o.id),
        "legacyResourceId": lambda d, o, a: str(o.id),
        "name": lambda d, o, a: f"#{o.number}",
        "createdAt": lambda d, o, a: iso(o.created_at),
        "updatedAt": lambda d, o, a: iso(o.updated_at),
        "cancelledAt": lambda d, o, a: iso(o.cancelled_at),
        "cancelReason": lambda d, o, a: "CUSTOMER" if o.cancelled_at else None,
        "closed": lambda d, o, a: closed(d, o),
        "displayFulfillmentStatus": lambda d, o, a: d.display_status(o),
        "displayFinancialStatus": lambda d, o, a: o.financial,
        "currencyCode": lambda d, o, a: "USD",
        "customer": lambda d, o, a: d.customers.get(o.customer_id),
        "customerLocale": lambda d, o, a: o.locale,
        "lineItems": lambda d, o, a: connection([d.lines[i] for i in o.line_ids], a),
        "fulfillmentOrders": _order_fos,
        "refunds": order_refunds,
        "totalRefundedSet": order_total_refunded,
        **ORDER_PAYMENT_FIELDS,
        **ORDER_MONEY_FIELDS,
        **ORDER_MANDATE_FIELDS,
        "suggestedRefund": suggested_refund,
    },
    **PAYMENT_TYPES,
    **ORDER_MONEY_TYPES,
    **GROUP_FIELDS,
    "Refund": {
        **REFUND_FIELDS,
        "refundLineItems": lambda d, o, a: connection(refund_lines(o), a),
    },
    "RefundLineItem": REFUND_LINE_FIELDS,
    "LineItem": {
        "id": lambda d, o, a: gid("LineItem", o.id),
        "name": lambda d, o, a: o.title,
        "currentQuantity": lambda d, o, a: o.current,
        "unfulfilledQuantity": lambda d, o, a: max(0, o.current - o.fulfilled),
        "variant": lambda d, o, a: d.variants.get(o.variant_id),
        "sellingPlan": _line_plan,
        "originalUnitPriceSet": lambda d, o, a: money_bag(o.price),
        **LINE_MONEY_FIELDS,
    },
    "FulfillmentOrder": {
        "id": lambda d, o, a: gid("FulfillmentOrder", o.id),
        "orderId": lambda d, o, a: gid("Order", o.order_id),
        "order": lambda d, o, a: d.orders[o.order_id],
        "createdAt": lambda d, o, a: iso(o.created_at),
        "updatedAt": lambda d, o, a: iso(o.updated_at),
        "fulfillmentHolds": lambda d, o, a: o.holds,
        "requestStatus": lambda d, o, a: o.request_status,
        "supportedActions": _supported,
        "lineItems": _fo_lines,
    },
    "FulfillmentOrderLineItem": {
        "id": lambda d, o, a: gid("FulfillmentOrderLineItem", o.id),
        "lineItem": lambda d, o, a: d.lines[o.line_id],
        "sku": lambda d, o, a: d.lines[o.line_id].sku,
        "remainingQuantity": lambda d, o, a: o.remaining,
        "totalQuantity": lambda d, o, a: o.total,
    },
    "FulfillmentHold": {
        "id": lambda d, o, a: gid("FulfillmentHold", o.id),
        "displayReason": lambda d, o, a: o.reason.replace("_", " ").capitalize(),
        "reasonNotes": lambda d, o, a: None,
        "heldByRequestingApp": lambda d, o, a: o.ours,
    },
    "WebhookSubscription": {
        "id": lambda d, o, a: gid("WebhookSubscription", o.id),
        "format": lambda d, o, a: "JSON",
        "createdAt": lambda d, o, a: iso(o.created_at),
        "updatedAt": lambda d, o, a: iso(o.created_at),
    },
}
