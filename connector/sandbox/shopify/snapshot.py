"""The sandbox shop as plain data: what tests compare and ``/__sandbox/state`` returns."""

from __future__ import annotations

from typing import Any

from connector.sandbox.shopify.records import SOrder, gid
from connector.sandbox.shopify.store import ShopData

__all__ = ["order_state", "shop_state"]


def shop_state(data: ShopData) -> dict[str, Any]:
    """Everything a merchant sees, as JSON-able data keyed by GID.

    Timestamps are left out, so two runs of the same work compare equal however long their
    retries waited.
    """
    return {
        "products": {
            gid("Product", p.id): {
                "title": p.title,
                "tags": sorted(p.tags),
                "release_date": p.release_date.isoformat() if p.release_date else None,
                "metafields": {f"{m.namespace}.{m.key}": m.value for m in p.metafields or ()},
            }
            for p in data.products.values()
        },
        "variants": {
            gid("ProductVariant", v.id): {
                "sku": v.sku,
                "product_id": gid("Product", v.product_id),
                "policy": v.policy,
                "tracked": v.tracked,
                "available": v.available,
                "committed": v.committed,
                "metafields": {f"{m.namespace}.{m.key}": m.value for m in v.metafields or ()},
            }
            for v in data.variants.values()
        },
        "orders": {gid("Order", o.id): order_state(data, o) for o in data.orders.values()},
        "discount_codes": dict(data.discount_codes),
        "webhooks": [{"topic": w.topic, "uri": w.uri} for w in data.webhooks.values()],
    }


def order_state(data: ShopData, order: SOrder) -> dict[str, Any]:
    return {
        "name": f"#{order.number}",
        "email": order.email,
        "tags": sorted(order.tags),
        "note": order.note,
        "cancelled": order.cancelled_at is not None,
        "lines": {
            gid("LineItem", i): {
                "sku": data.lines[i].sku,
                "quantity": data.lines[i].current,
                "fulfilled": data.lines[i].fulfilled,
                "preorder": data.lines[i].preorder,
            }
            for i in order.line_ids
        },
        "fulfillment_orders": {
            gid("FulfillmentOrder", f): {
                "status": data.fulfillment_orders[f].status,
                "lines": {
                    gid("LineItem", line): rem
                    for line, (_, rem) in data.fulfillment_orders[f].remaining.items()
                },
                "holds": [
                    {"handle": h.handle, "reason": h.reason}
                    for h in data.fulfillment_orders[f].holds
                ],
            }
            for f in order.fo_ids
        },
    }
