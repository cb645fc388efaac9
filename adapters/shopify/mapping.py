"""Shopify JSON to the common model, at the edge. A node that does not fit raises PayloadError."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from adapters.common import parse_time
from adapters.shopify.collections import collection_keys
from connector.errors import PayloadError
from connector.model import (
    Customer,
    InventoryPolicy,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Variant,
)

__all__ = [
    "HOLD_PREFIX",
    "METAFIELD_NAMESPACE",
    "holds_ours",
    "map_order",
    "map_product",
    "map_variant",
    "metafield_value",
    "money_refunded",
    "our_held_lines",
    "refunded_per_line",
]

UNPAID = frozenset({"PENDING"})
"""Payment states in which an order waits silently (``OrderStatus.PENDING``): no place in a queue,
no holds, no emails, until the payment is taken. Shopify has committed its stock all the same, so
nobody else is given those units. AUTHORIZED and PARTIALLY_PAID (a pre-order's deposit) count as
paid, and so does EXPIRED: an authorization runs out after 7 days (Shopify Payments) while a line
waits, and its customer still waits; taking the line out of the queue would mail them a
cancellation."""
VOIDED = frozenset({"VOIDED"})
"""Payment states that end the order for the connector (``OrderStatus.CANCELLED``)."""

METAFIELD_NAMESPACE = "backorder_connector"
HOLD_PREFIX = "bc-"
"""Every fulfillment hold the connector places has a handle starting with this."""


def _opt_time(value: Any, field: str) -> datetime | None:
    return None if value is None else parse_time(value, field)


def _id(node: Mapping[str, Any]) -> str:
    value = node.get("id")
    if not isinstance(value, str) or not value:
        raise PayloadError("id is missing")
    return value


def _money(amount: Any, currency: str) -> Money:
    try:
        return Money(Decimal(str(amount)), currency)
    except (InvalidOperation, ValueError):
        raise PayloadError(f"price {amount!r} is not a decimal amount") from None


def _tags(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return frozenset()
    return frozenset(t.strip() for t in value if isinstance(t, str) and t.strip())


def map_product(shop: str, node: Mapping[str, Any]) -> Product:
    if not isinstance(node, Mapping):
        raise PayloadError("product is not an object")
    return Product(
        shop=shop,
        platform_id=_id(node),
        title=str(node.get("title") or ""),
        updated_at=parse_time(node.get("updatedAt"), "updatedAt"),
        product_type=str(node.get("productType") or ""),
        vendor=str(node.get("vendor") or ""),
        status=str(node.get("status") or "ACTIVE").lower(),
        tags=_tags(node.get("tags")),
        collections=_collections(node.get("collections")),
        handle=str(node.get("handle") or ""),
    )


def _collections(conn: Any) -> tuple[str, ...]:
    # Absent (a bulk catalog line: its collections come from a bulk query of their own) or junk:
    # none here; never a reason to drop the product.
    if not isinstance(conn, Mapping) or not isinstance(conn.get("nodes"), list):
        return ()
    return collection_keys(conn["nodes"])


def _quantities(levels: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    totals = {"available": 0, "committed": 0, "incoming": 0}
    for level in levels:
        for quantity in level.get("quantities") or ():
            name = quantity.get("name")
            if name in totals and isinstance(quantity.get("quantity"), int):
                totals[name] += quantity["quantity"]
    return totals


def metafield_value(node: Mapping[str, Any], alias: str) -> str | None:
    """The ``value`` of the metafield the document selected under ``alias``, if it is text."""
    field = node.get(alias)
    if isinstance(field, Mapping) and isinstance(field.get("value"), str):
        return str(field["value"])
    return None


def _date(text: str | None) -> date | None:
    # Someone else's value in our key is treated as no date; it never sinks the variant.
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def map_variant(
    shop: str,
    node: Mapping[str, Any],
    currency: str,
    *,
    product_id: str | None = None,
    product_tags: Iterable[str] | None = None,
    levels: Iterable[Mapping[str, Any]] | None = None,
    product_release: str | None = None,
) -> Variant:
    """A variant node as a :class:`Variant`.

    ``levels`` replaces ``inventoryItem.inventoryLevels`` and ``product_release`` the product's
    ``releaseDate`` metafield value (bulk lines carry both apart from the variant).
    """
    if node is None:
        # What Shopify answers for a variant deleted, or not visible to the app, since the list.
        raise PayloadError("variant is null: deleted, or not visible to this app")
    if not isinstance(node, Mapping):
        raise PayloadError("variant is not an object")
    product = node.get("product") if isinstance(node.get("product"), Mapping) else {}
    owner = product_id or (product or {}).get("id")
    if not isinstance(owner, str):
        raise PayloadError("variant has no product")
    policy = node.get("inventoryPolicy")
    if policy not in ("DENY", "CONTINUE"):
        raise PayloadError(f"inventoryPolicy {policy!r} is neither DENY nor CONTINUE")
    item = node.get("inventoryItem") if isinstance(node.get("inventoryItem"), Mapping) else {}
    item = item or {}
    if levels is None:
        levels = ((item.get("inventoryLevels") or {}).get("nodes")) or []
    totals = _quantities(levels)
    tracked = bool(item.get("tracked", True))
    # A variant's own release date wins over its product's (a pre-order of one colour, say).
    release_date = _date(metafield_value(node, "releaseDate")) or _date(
        product_release
        if product_release is not None
        else metafield_value(product or {}, "releaseDate")
    )
    tags = product_tags if product_tags is not None else (product or {}).get("tags")
    return Variant(
        shop=shop,
        platform_id=_id(node),
        product_id=owner,
        sku=str(node.get("sku") or ""),
        title=str(node.get("title") or ""),
        price=_money(node.get("price", "0"), currency),
        updated_at=parse_time(node.get("updatedAt"), "updatedAt"),
        tracked=tracked,
        available=totals["available"] if tracked else 0,
        committed=totals["committed"] if tracked else 0,
        incoming=totals["incoming"] if tracked else 0,
        inventory_policy=InventoryPolicy.CONTINUE if policy == "CONTINUE" else InventoryPolicy.DENY,
        tags=_tags(list(tags or [])),
        eta_label=metafield_value(node, "etaLabel"),
        eta_date=_date(metafield_value(node, "etaDate")),
        release_date=release_date,
        inventory_item_id=str(item.get("id") or ""),
    )


CENT = Decimal("0.01")


def _amount(money_set: Any) -> Decimal | None:
    """``{shopMoney: {amount}}`` as a finite Decimal; None when it is not one."""
    money = (money_set or {}).get("shopMoney") if isinstance(money_set, Mapping) else None
    try:
        amount = Decimal(str(money["amount"])) if isinstance(money, Mapping) else None
    except (KeyError, InvalidOperation, ValueError):
        return None
    return amount if amount is not None and amount.is_finite() else None


def money_refunded(node: Mapping[str, Any]) -> Decimal:
    """An order's ``totalRefundedSet``: the money returned over all its refunds (0 if unread)."""
    return _amount(node.get("totalRefundedSet")) or Decimal(0)


def refunded_per_line(refunds: Any) -> dict[str, Decimal]:
    """Money the shop returned per line id, summed over an order's ``refunds``; a line no refund
    names is left out.

    A refund line item's ``subtotalSet`` (plus ``totalTaxSet``) is the line's calculated value,
    which Shopify keeps even when the merchant returned less money or none (a restock-only
    refund); what moved is the refund's ``totalRefundedSet``. So a refund's lines are given their
    value when the refund moved at least that much, else the money that moved shared out in
    proportion, rounded down to the cent: a customer is never told of more than was returned.
    A refund that does not fit (no readable amounts) is passed over."""
    refunded: dict[str, Decimal] = {}
    for refund in refunds if isinstance(refunds, list) else ():
        if not isinstance(refund, Mapping):
            continue
        moved = _amount(refund.get("totalRefundedSet"))
        items = ((refund.get("refundLineItems") or {}).get("nodes")) or ()
        values: list[tuple[str, Decimal]] = []
        for item in items if isinstance(items, list) else ():
            line = item.get("lineItem") if isinstance(item, Mapping) else None
            subtotal = _amount(item.get("subtotalSet")) if isinstance(item, Mapping) else None
            tax = _amount(item.get("totalTaxSet")) if isinstance(item, Mapping) else None
            if not isinstance(line, Mapping) or not line.get("id") or subtotal is None:
                continue
            values.append((str(line["id"]), max(Decimal(0), subtotal + (tax or Decimal(0)))))
        if moved is None or not values:
            continue
        whole = sum((value for _, value in values), Decimal(0))
        for line_id, value in values:
            share = value if moved >= whole else (moved * value / whole).quantize(CENT, ROUND_DOWN)
            refunded[line_id] = refunded.get(line_id, Decimal(0)) + max(Decimal(0), share)
    return refunded


def _line(
    order_id: str,
    node: Mapping[str, Any],
    currency: str,
    held: set[str],
    refunded: Mapping[str, Decimal],
) -> OrderLine:
    line_id = _id(node)
    quantity = node.get("quantity")
    current = node.get("currentQuantity", quantity)
    unfulfilled = node.get("unfulfilledQuantity", current)
    if not (
        isinstance(quantity, int) and isinstance(current, int) and isinstance(unfulfilled, int)
    ):
        raise PayloadError(f"line {line_id} has no integer quantities")
    variant = node.get("variant") if isinstance(node.get("variant"), Mapping) else None
    money = ((node.get("originalUnitPriceSet") or {}).get("shopMoney")) or {}
    plan = node.get("sellingPlan") if isinstance(node.get("sellingPlan"), Mapping) else None
    return OrderLine(
        platform_id=line_id,
        order_id=order_id,
        variant_id=str(variant["id"]) if variant and variant.get("id") else None,
        sku=str(node.get("sku") or ""),
        title=str(node.get("title") or node.get("name") or ""),
        # As ordered; units removed by an edit or refunded since are counted as cancelled (the
        # model's open quantity takes them off once: quantity - fulfilled - cancelled).
        quantity=quantity,
        price=_money(money.get("amount", "0"), str(money.get("currencyCode") or currency)),
        fulfilled=max(0, current - unfulfilled),
        cancelled=max(0, quantity - current),
        preorder=plan is not None,
        selling_plan=str(plan.get("name")) if plan else None,
        on_hold=line_id in held,
        refunded=Money(refunded[line_id], currency) if line_id in refunded else None,
    )


def map_order(
    shop: str,
    node: Mapping[str, Any],
    *,
    lines: Iterable[Mapping[str, Any]] | None = None,
    held_lines: set[str] | None = None,
    refunds: Any = None,
) -> Order:
    """``lines`` replaces ``lineItems.nodes`` (bulk lines and extra pages come separately).

    ``refunds`` replaces the order's ``refunds`` (read apart, only for orders where money was
    refunded); a line's ``refunded`` comes from them (see :func:`refunded_per_line`), None for a
    line none names."""
    if not isinstance(node, Mapping):
        raise PayloadError("order is not an object")
    order_id = _id(node)
    currency = str(node.get("currencyCode") or "")
    if len(currency) != 3:
        raise PayloadError(f"currencyCode {currency!r} is not a currency")
    customer_node = node.get("customer") if isinstance(node.get("customer"), Mapping) else {}
    customer_node = customer_node or {}
    email = (
        node.get("email")
        or ((customer_node.get("defaultEmailAddress") or {}).get("emailAddress"))
        or ""
    )
    customer = Customer(
        shop=shop,
        email=str(email),
        name=str(customer_node.get("displayName") or ""),
        locale=customer_node.get("locale") or None,
        tags=_tags(customer_node.get("tags")),
        platform_id=customer_node.get("id"),
    )
    raw_lines = (
        list(lines) if lines is not None else list((node.get("lineItems") or {}).get("nodes") or [])
    )
    held = held_lines or set()
    refunded = refunded_per_line(node.get("refunds") if refunds is None else refunds)
    cancelled_at = _opt_time(node.get("cancelledAt"), "cancelledAt")
    payment = node.get("displayFinancialStatus")
    if cancelled_at is not None or payment in VOIDED:
        status = OrderStatus.CANCELLED
    elif node.get("displayFulfillmentStatus") == "FULFILLED" or node.get("closed") is True:
        status = OrderStatus.CLOSED
    elif payment in UNPAID or node.get("test") is True:
        # A test order is never a customer waiting: it stays pending, out of every queue.
        status = OrderStatus.PENDING
    else:
        status = OrderStatus.OPEN
    return Order(
        shop=shop,
        platform_id=order_id,
        number=str(node.get("name") or order_id),
        created_at=parse_time(node.get("createdAt"), "createdAt"),
        updated_at=parse_time(node.get("updatedAt"), "updatedAt"),
        status=status,
        currency=currency,
        customer=customer,
        lines=tuple(_line(order_id, line, currency, held, refunded) for line in raw_lines),
        locale=node.get("customerLocale") or None,
        tags=_tags(node.get("tags")),
        cancelled_at=cancelled_at,
        note=str(node.get("note") or ""),
    )


def our_held_lines(order_node: Mapping[str, Any]) -> set[str]:
    """Line ids on a fulfillment order that one of our own holds (handle ``bc-...``) covers."""
    held: set[str] = set()
    for fo in ((order_node.get("fulfillmentOrders") or {}).get("nodes")) or ():
        if not holds_ours(fo):
            continue
        for item in ((fo.get("lineItems") or {}).get("nodes")) or ():
            line = item.get("lineItem") or {}
            if line.get("id") and item.get("remainingQuantity", 0) > 0:
                held.add(str(line["id"]))
    return held


def holds_ours(fulfillment_order: Mapping[str, Any]) -> bool:
    """Whether a fulfillment order is on hold under at least one hold of ours (``bc-...``)."""
    holds = fulfillment_order.get("fulfillmentHolds") or ()
    return fulfillment_order.get("status") == "ON_HOLD" and any(
        isinstance(h, Mapping) and str(h.get("handle") or "").startswith(HOLD_PREFIX) for h in holds
    )
