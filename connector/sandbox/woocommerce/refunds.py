"""Refunds as WooCommerce 7.9 makes them (``wc_create_refund``), and their REST answers.

A refund holds negative copies of the lines it refunds, each pointing at its order line through
the ``_refunded_item_id`` meta, with the ``refund_total`` asked for that line as its (negative)
total; the order's own line items never show a refund (a reader has to ask
``/orders/{id}/refunds``). With ``api_restock`` (the REST default) managed stock goes back up by
the refunded units and the line's ``_reduced_stock`` goes down. Creating a refund moves the
order's ``date_modified``; refunding the whole amount moves the order to ``refunded``.

``api_refund`` (true unless sent false) asks the order's gateway to return the money: a gateway
without refund support fails the whole call with HTTP 500
``woocommerce_rest_cannot_create_order_refund`` and no refund is kept (``wc_refund_payment``'s
error; ``wc_create_refund`` deletes the refund it started), a refund of 0.00 never reaches the
gateway, and a refund the gateway made says ``refunded_payment: true``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from connector.sandbox.woocommerce.catalog import WooError
from connector.sandbox.woocommerce.orders import Orders
from connector.sandbox.woocommerce.records import REFUND_GATEWAYS, Order, Refund, fmt_time

__all__ = ["create_refund", "refund_json"]


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal("0")


def _order_total(order: Order) -> Decimal:
    return sum((_money(line.price) * line.qty for line in order.lines), Decimal("0"))


def _refunded(order: Order) -> Decimal:
    return sum((_money(r.amount) for r in order.refunds or ()), Decimal("0"))


def create_refund(orders: Orders, order: Order, data: dict[str, Any]) -> Refund:
    """``POST /orders/{id}/refunds``: ``amount``, ``reason``, ``line_items`` [{id, quantity}]."""
    amount = _money(data.get("amount"))
    if amount < 0:
        raise WooError(
            400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero."
        )
    remaining = _order_total(order) - _refunded(order)
    if amount > remaining:
        raise WooError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
    pay_back = data.get("api_refund", True) is not False and amount > 0
    if pay_back and order.payment_method not in REFUND_GATEWAYS:
        raise WooError(
            500,
            "woocommerce_rest_cannot_create_order_refund",
            "The payment gateway for this order does not support automatic refunds.",
        )
    wanted = {
        int(entry["id"]): (int(entry.get("quantity") or 0), _money(entry.get("refund_total")))
        for entry in data.get("line_items") or ()
        if isinstance(entry, dict) and str(entry.get("id", "")).isdigit()
    }
    refund = Refund(
        orders.next_post_id(), orders.now(), f"{amount:.2f}", str(data.get("reason") or "")
    )
    refund.refunded_payment = pay_back
    restock = data.get("api_restock", True) is not False
    for line in order.lines:
        qty, total = wanted.get(line.id, (0, Decimal("0")))
        if qty <= 0 and total <= 0:
            continue  # lines not named (or with neither units nor money) are not refunded
        refund.items.append((orders.next_item_id(), line, qty, total))
        item = orders.catalog.items.get(line.variation_id or line.product_id)
        if restock and line.reduced and item is not None:
            owner = orders.catalog.stock_owner(item)
            if owner.manage_stock:
                orders.catalog.change_stock(item, qty)
                line.reduced -= qty
    if order.refunds is None:
        order.refunds = []
    order.refunds.append(refund)
    if amount >= remaining > 0:
        orders.set_status(order, "refunded")
    order.modified = orders.now()
    orders.on_change(order, "updated")
    return refund


def refund_json(order: Order, refund: Refund, base: str) -> dict[str, Any]:
    """One refund as ``/orders/{id}/refunds`` answers it (shape of the real capture)."""
    items = []
    for item_id, line, qty, refund_total in refund.items:
        # wc_create_refund sets the negative line's total from the request's refund_total (0 when
        # not given): units can be refunded (restocked) without money, and money without units.
        total = f"{-refund_total:.2f}" if refund_total else "0.00"
        items.append(
            {
                "id": item_id,
                "name": line.name,
                "product_id": line.product_id,
                "variation_id": line.variation_id,
                "quantity": -qty,
                "tax_class": "",
                "subtotal": total,
                "subtotal_tax": "0.00",
                "total": total,
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [
                    {
                        "id": item_id * 10 + 3,
                        "key": "_refunded_item_id",
                        "value": str(line.id),
                        "display_key": "_refunded_item_id",
                        "display_value": str(line.id),
                    }
                ],
                "sku": line.sku,
                "price": float(_money(line.price)),
                "image": {"id": "", "src": ""},
                "parent_name": None,
            }
        )
    path = f"orders/{order.id}/refunds"
    return {
        "id": refund.id,
        "date_created": fmt_time(refund.created),
        "date_created_gmt": fmt_time(refund.created),
        "amount": refund.amount,
        "reason": refund.reason,
        "refunded_by": 1,
        "refunded_payment": refund.refunded_payment,
        "meta_data": [],
        "line_items": items,
        "shipping_lines": [],
        "tax_lines": [],
        "fee_lines": [],
        "_links": {
            "self": [{"href": f"{base}/wp-json/wc/v3/{path}/{refund.id}"}],
            "collection": [{"href": f"{base}/wp-json/wc/v3/{path}"}],
            "up": [{"href": f"{base}/wp-json/wc/v3/orders/{order.id}"}],
        },
    }
