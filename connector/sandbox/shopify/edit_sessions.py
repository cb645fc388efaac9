"""Order edits as Shopify makes them: ``orderEditBegin`` / ``AddVariant`` / ``SetQuantity`` / ``Commit``.

* ``orderEditBegin(id)`` opens a session: a calculated order (its own id) listing the order's
  lines that still have units, each as a ``CalculatedLineItem`` (same number as the line here).
* ``orderEditAddVariant`` stages a new line; a variant that cannot be sold now (tracked, denying
  oversell and short of stock) or, without ``allowDuplicates``, one already on the order is a
  user error. ``orderEditSetQuantity`` stages a line's new quantity (not below what shipped).
* Nothing changes on the order until ``orderEditCommit``: the new lines are added (their stock
  committed), changed lines' ``currentQuantity`` set (``restock`` puts removed units back in
  stock), the ``staffNote`` goes to the order's timeline (``staff_notes`` here; Shopify documents
  it as a note for staff, not as the order's ``note``), and ``orders/edited`` is sent. A session
  commits once. Commit takes no idempotency key and returns no money: a paid order left with a
  balance in the customer's favour is refunded separately (``refundCreate``), as on Shopify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from connector.sandbox.shopify.records import (
    SFulfillmentOrder,
    SLine,
    SOrder,
    SVariant,
    gid,
    parse_gid,
)
from connector.sandbox.shopify.store import ShopData

__all__ = ["EDIT_MUTATIONS"]


@dataclass
class _Session:
    id: int
    order: SOrder
    added: list[tuple[int, SVariant, int]] = field(default_factory=list)
    quantities: dict[int, tuple[int, bool]] = field(default_factory=dict)
    committed: bool = False


# Sessions live beside the shop's data (not in it): the store's records stay what the shop shows.
_SESSIONS: WeakKeyDictionary[ShopData, dict[int, _Session]] = WeakKeyDictionary()


def _error(field_name: str, message: str) -> dict[str, Any]:
    return {"field": [field_name], "message": message, "code": None}


def _calculated(data: ShopData, session: _Session) -> dict[str, Any]:
    nodes = []
    for line_id in session.order.line_ids:
        line = data.lines[line_id]
        quantity = session.quantities.get(line_id, (line.current, False))[0]
        if line.current > 0:
            nodes.append(_calculated_line(data, line.id, data.variants[line.variant_id], quantity))
    added = [_calculated_line(data, i, v, q) for i, v, q in session.added]
    return {
        "id": gid("CalculatedOrder", session.id),
        "committed": session.committed,
        "originalOrder": session.order,
        "lineItems": {"nodes": nodes + added},
        "addedLineItems": {"nodes": added},
    }


def _calculated_line(
    data: ShopData, line_id: int, variant: SVariant, quantity: int
) -> dict[str, Any]:
    fulfilled = data.lines[line_id].fulfilled if line_id in data.lines else 0
    return {
        "id": gid("CalculatedLineItem", line_id),
        "quantity": quantity,
        "editableQuantity": quantity - fulfilled,
        "sku": variant.sku,
        "variant": variant,
    }


def _session(data: ShopData, calculated_id: str) -> _Session | None:
    ref = parse_gid(calculated_id, "CalculatedOrder")
    session = _SESSIONS.get(data, {}).get(ref[1]) if ref else None
    return None if session is None or session.committed else session


def order_edit_begin(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderEditBegin``: a new session on the order."""
    ref = parse_gid(a["id"], "Order")
    order = data.orders.get(ref[1]) if ref else None
    if order is None or order.cancelled_at is not None:
        return {
            "calculatedOrder": None,
            "userErrors": [_error("id", "The order cannot be edited.")],
        }
    session = _Session(data.next_id(), order)
    _SESSIONS.setdefault(data, {})[session.id] = session
    return {"calculatedOrder": _calculated(data, session), "userErrors": []}


def order_edit_add_variant(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderEditAddVariant``: stage a new line of a variant that can be sold now."""
    session = _session(data, a["id"])
    if session is None:
        return {
            "calculatedOrder": None,
            "calculatedLineItem": None,
            "userErrors": [_error("id", "The calculated order does not exist.")],
        }
    ref = parse_gid(a["variantId"], "ProductVariant")
    variant = data.variants.get(ref[1]) if ref else None
    quantity = int(a["quantity"])
    problem = None
    if variant is None:
        problem = _error("variantId", "The variant does not exist.")
    elif quantity <= 0:
        problem = _error("quantity", "Quantity must be greater than 0.")
    elif variant.tracked and variant.policy == "DENY" and variant.available < quantity:
        problem = _error("variantId", f"{variant.sku} is out of stock.")
    elif not a.get("allowDuplicates") and any(
        data.lines[i].variant_id == variant.id and data.lines[i].current > 0
        for i in session.order.line_ids
    ):
        problem = _error("variantId", "The variant is already on the order.")
    if problem is not None or variant is None:
        return {"calculatedOrder": None, "calculatedLineItem": None, "userErrors": [problem]}
    line_id = data.next_id()
    session.added.append((line_id, variant, quantity))
    return {
        "calculatedOrder": _calculated(data, session),
        "calculatedLineItem": _calculated_line(data, line_id, variant, quantity),
        "userErrors": [],
    }


def order_edit_set_quantity(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderEditSetQuantity``: stage an existing line's new quantity."""
    session = _session(data, a["id"])
    ref = parse_gid(a["lineItemId"], "CalculatedLineItem")
    line = data.lines.get(ref[1]) if ref else None
    quantity = int(a["quantity"])
    problem = None
    if session is None:
        problem = _error("id", "The calculated order does not exist.")
    elif line is None or line.id not in session.order.line_ids:
        problem = _error("lineItemId", "The line item does not exist on the order.")
    elif quantity < line.fulfilled or quantity < 0:
        problem = _error("quantity", "Quantity cannot be below the fulfilled quantity.")
    if problem is not None or session is None or line is None:
        return {"calculatedOrder": None, "calculatedLineItem": None, "userErrors": [problem]}
    session.quantities[line.id] = (quantity, bool(a.get("restock")))
    return {
        "calculatedOrder": _calculated(data, session),
        "calculatedLineItem": _calculated_line(
            data, line.id, data.variants[line.variant_id], quantity
        ),
        "userErrors": [],
    }


def _open_fulfillment_order(data: ShopData, order: SOrder) -> SFulfillmentOrder:
    for fo_id in order.fo_ids:
        fo = data.fulfillment_orders[fo_id]
        if fo.status == "OPEN":
            return fo
    fo = SFulfillmentOrder(data.next_id(), order.id, data.clock())
    data.fulfillment_orders[fo.id] = fo
    order.fo_ids.append(fo.id)
    return fo


def order_edit_commit(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderEditCommit``: apply the session's staged changes to the order, once."""
    session = _session(data, a["id"])
    if session is None:
        return {"order": None, "userErrors": [_error("id", "The calculated order does not exist.")]}
    order = session.order
    for _line_id, variant, quantity in session.added:
        if variant.tracked and variant.policy == "DENY" and variant.available < quantity:
            # Sold meanwhile: Shopify refuses the whole commit, nothing changes.
            return {"order": None, "userErrors": [_error("id", f"{variant.sku} is out of stock.")]}
    for line_id, variant, quantity in session.added:
        product = data.products[variant.product_id]
        line = SLine(line_id, order.id, variant, product.title, quantity, False)
        line.added_by_edit = True
        data.lines[line.id] = line
        order.line_ids.append(line.id)
        _open_fulfillment_order(data, order).remaining[line.id] = [quantity, quantity]
        data._move_stock(variant, -quantity, committed=quantity)
    for line_id, (quantity, restock) in session.quantities.items():
        line = data.lines[line_id]
        delta = quantity - line.current
        # Removed units leave the committed stock; only a restock makes them available again.
        data._move_stock(
            data.variants[line.variant_id], -delta if restock or delta > 0 else 0, committed=delta
        )
        line.current = quantity
        data._resize_line_on_fulfillment_orders(order, line, delta)
    note = a.get("staffNote")
    if note:
        data.edit_staff_notes.setdefault(order.id, []).append(str(note))
    session.committed = True
    data.touch_order(order)
    data.emit("orders/edited", {"order_edit": order.id})
    return {"order": order, "userErrors": []}


EDIT_MUTATIONS: dict[str, Callable[[ShopData, dict[str, Any]], dict[str, Any]]] = {
    "orderEditBegin": order_edit_begin,
    "orderEditAddVariant": order_edit_add_variant,
    "orderEditSetQuantity": order_edit_set_quantity,
    "orderEditCommit": order_edit_commit,
}
