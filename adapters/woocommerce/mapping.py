"""WooCommerce JSON to the common model, at the adapter's edge; nothing platform-shaped goes past.

A payload that does not fit raises :class:`~connector.errors.PayloadError`; the reader turns it into
a :class:`~connector.model.SkippedPayload` with its reason, so one bad object never sinks a page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.common import parse_time
from adapters.woocommerce.payments import awaits_release_payment
from connector.errors import PayloadError
from connector.model import (
    Customer,
    InventoryPolicy,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    StockStatus,
    Variant,
)

__all__ = [
    "ETA_DATE_KEY",
    "ETA_LABEL_KEY",
    "HOLD_KEY",
    "ORDER_TAGS_KEY",
    "POLICY_KEY",
    "RELEASE_KEY",
    "map_order",
    "map_product",
    "map_variation",
    "meta_value",
    "refunded_money",
    "refunded_units",
]

ETA_LABEL_KEY = "_bc_eta_label"
ETA_DATE_KEY = "_bc_eta_date"
POLICY_KEY = "_bc_policy"
HOLD_KEY = "_bc_hold"
ORDER_TAGS_KEY = "_bc_tags"
RELEASE_KEY = "_release_date"
LOCALE_KEYS = ("wpml_language", "_locale")
BACKORDERED_KEY = "Backordered"
REFUNDED_ITEM_KEY = "_refunded_item_id"

ORDER_STATUSES: Mapping[str, OrderStatus] = {
    "processing": OrderStatus.OPEN,
    "on-hold": OrderStatus.OPEN,
    "pre-ordered": OrderStatus.OPEN,
    "completed": OrderStatus.CLOSED,
    "cancelled": OrderStatus.CANCELLED,
    "refunded": OrderStatus.CANCELLED,
    "trash": OrderStatus.CANCELLED,
    "pending": OrderStatus.PENDING,
    "checkout-draft": OrderStatus.PENDING,
    "failed": OrderStatus.PENDING,
}
PRODUCT_STATUSES = {"publish": "active", "draft": "draft", "pending": "draft", "private": "active"}


def meta_value(payload: Mapping[str, Any], key: str) -> Any:
    """The value of meta ``key`` (the last one, as WooCommerce's ``get_meta`` single does)."""
    found = None
    for entry in payload.get("meta_data") or ():
        if isinstance(entry, Mapping) and entry.get("key") == key:
            found = entry.get("value")
    return found


def _date_or_none(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _money(value: Any, currency: str) -> Money:
    try:
        return Money(Decimal(str(value or "0")), currency)
    except InvalidOperation as error:
        raise PayloadError(f"bad price {value!r}") from error


def _tags(payload: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(tag["name"]) for tag in payload.get("tags") or () if tag.get("name"))


def _categories(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """Each category by name, slug and id, so a policy's ``collections`` may name it any way (the
    id as the admin's category list shows it); empty parts are left out."""
    found: dict[str, None] = {}
    for category in payload.get("categories") or ():
        if isinstance(category, Mapping):
            for part in (category.get("name"), category.get("slug"), category.get("id")):
                if part is not None and str(part):
                    found[str(part)] = None
    return tuple(found)


def map_product(shop: str, payload: Mapping[str, Any]) -> Product:
    """``product_type`` is the REST ``type`` (simple, variable, grouped, external or a plugin's);
    WooCommerce has no vendor; ``collections`` are the categories (see :func:`_categories`)."""
    try:
        return Product(
            shop=shop,
            platform_id=str(int(payload["id"])),
            title=str(payload.get("name", "")),
            updated_at=parse_time(payload.get("date_modified_gmt")),
            product_type=str(payload.get("type") or ""),
            status=PRODUCT_STATUSES.get(str(payload.get("status")), "archived"),
            tags=_tags(payload),
            collections=_categories(payload),
            handle=str(payload.get("slug", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PayloadError(f"product does not fit: {error}") from error


HAND_SET_STATUSES = {
    "instock": StockStatus.IN_STOCK,
    "onbackorder": StockStatus.BACKORDER,
    "outofstock": StockStatus.OUT_OF_STOCK,
}
"""``stock_status`` of an item with ``manage_stock`` off, set by the owner by hand (a plugin's own
status sells like ``instock``)."""


def map_variation(
    shop: str,
    payload: Mapping[str, Any],
    product: Mapping[str, Any],
    currency: str,
) -> Variant:
    """A variant from a variation (``product`` is its parent, from the URL we called) or from a
    simple product (``payload is product``). ``manage_stock: "parent"`` means the parent's stock."""
    try:
        managed = payload.get("manage_stock")
        tracked = managed is True or managed == "parent"
        # A batch stores any value as is (seen on 7.9); WooCommerce then allows backorders only
        # for "notify" and "yes", so anything else sells like "no".
        allows = payload.get("backorders") in ("notify", "yes")
        quantity = payload.get("stock_quantity")
        if tracked and quantity is not None and not isinstance(quantity, int):
            raise PayloadError(f"stock_quantity {quantity!r} is not a number")
        own = payload is product
        title = "Default Title" if own else _variation_title(payload)
        label = meta_value(payload, ETA_LABEL_KEY)
        release = meta_value(payload, RELEASE_KEY) or meta_value(product, RELEASE_KEY)
        return Variant(
            shop=shop,
            platform_id=str(int(payload["id"])),
            product_id=str(int(product["id"])),
            sku=str(payload.get("sku") or ""),
            title=title,
            price=_money(payload.get("price") or payload.get("regular_price"), currency),
            updated_at=parse_time(payload.get("date_modified_gmt")),
            tracked=tracked,
            available=int(quantity or 0) if tracked else 0,
            inventory_policy=InventoryPolicy.CONTINUE if allows else InventoryPolicy.DENY,
            tags=_tags(product),
            release_date=_date_or_none(release),
            eta_label=str(label) if label not in (None, "") else None,
            eta_date=_date_or_none(meta_value(payload, ETA_DATE_KEY)),
            stock_pool=str(int(product["id"])) if managed == "parent" and not own else "",
            untracked_status=StockStatus.IN_STOCK
            if tracked
            else HAND_SET_STATUSES.get(str(payload.get("stock_status")), StockStatus.IN_STOCK),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PayloadError(f"variation does not fit: {error}") from error


def _variation_title(payload: Mapping[str, Any]) -> str:
    options = [str(a.get("option", "")) for a in payload.get("attributes") or () if a.get("option")]
    return " / ".join(options) or f"#{payload.get('id')}"


def _json_meta(payload: Mapping[str, Any], key: str) -> Any:
    value = meta_value(payload, key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def held_lines(payload: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Our holds on an order: ``{handle: {"lines": {line_id: qty}, "reason": ...}}``."""
    holds = _json_meta(payload, HOLD_KEY)
    return holds if isinstance(holds, dict) else {}


def order_tags(payload: Mapping[str, Any]) -> frozenset[str]:
    tags = _json_meta(payload, ORDER_TAGS_KEY)
    return frozenset(str(t) for t in tags) if isinstance(tags, list) else frozenset()


def refunded_units(refunds: Any) -> dict[str, int]:
    """Units refunded per order line, from ``/orders/{id}/refunds``: each refund's negative line
    points at the order line through ``_refunded_item_id``. Rows that do not fit are ignored."""
    units: dict[str, int] = {}
    for refund in refunds if isinstance(refunds, list) else ():
        for item in (refund.get("line_items") or ()) if isinstance(refund, Mapping) else ():
            if not isinstance(item, Mapping):
                continue
            line_id = meta_value(item, REFUNDED_ITEM_KEY)
            try:
                quantity = abs(int(item.get("quantity") or 0))
                key = str(int(str(line_id)))
            except (TypeError, ValueError):
                continue
            units[key] = units.get(key, 0) + quantity
    return units


def refunded_money(refunds: Any) -> dict[str, Decimal]:
    """Money refunded per order line, from ``/orders/{id}/refunds``: minus each negative line's
    ``total`` plus ``total_tax`` (what the refund was made with; a restock-only refund is 0).
    Lines with nothing refunded are left out. Rows that do not fit are ignored."""
    money: dict[str, Decimal] = {}
    for refund in refunds if isinstance(refunds, list) else ():
        for item in (refund.get("line_items") or ()) if isinstance(refund, Mapping) else ():
            if not isinstance(item, Mapping):
                continue
            try:
                key = str(int(str(meta_value(item, REFUNDED_ITEM_KEY))))
                amount = -Decimal(str(item.get("total") or "0")) - Decimal(
                    str(item.get("total_tax") or "0")
                )
            except (TypeError, ValueError, InvalidOperation):
                continue
            money[key] = money.get(key, Decimal("0")) + amount
    return {key: amount for key, amount in money.items() if amount > 0}


def map_order(
    shop: str,
    payload: Mapping[str, Any],
    refunded: Mapping[str, int] | None = None,
    refunded_amounts: Mapping[str, Decimal] | None = None,
) -> Order:
    """One order; ``refunded`` (units per line id, see :func:`refunded_units`) become
    ``OrderLine.cancelled``, as WooCommerce's own line items never show a refund, and
    ``refunded_amounts`` (see :func:`refunded_money`) ``OrderLine.refunded``."""
    try:
        status_text = str(payload.get("status", ""))
        status = ORDER_STATUSES.get(status_text)
        if status is None:
            raise PayloadError(f"unknown order status {status_text!r}")
        if status is OrderStatus.PENDING and awaits_release_payment(payload):
            # The Pre-Orders extension released it to pending with its stock kept: it still waits
            # (now for the customer's payment), so it stays an open pre-order, never a gone one.
            status, status_text = OrderStatus.OPEN, "pre-ordered"
        order_id = str(int(payload["id"]))
        currency = str(payload.get("currency") or "USD")
        billing = payload.get("billing") or {}
        locale = next((str(v) for v in (meta_value(payload, k) for k in LOCALE_KEYS) if v), None)
        customer_id = int(payload.get("customer_id") or 0)
        customer = Customer(
            shop=shop,
            email=str(billing.get("email") or ""),
            name=" ".join(
                p for p in (billing.get("first_name"), billing.get("last_name")) if p
            ).strip(),
            locale=locale,
            platform_id=str(customer_id) if customer_id else None,
        )
        holds = held_lines(payload)
        on_hold = {line for hold in holds.values() for line in (hold.get("lines") or {})}
        updated = parse_time(payload.get("date_modified_gmt"))
        lines = tuple(
            _line(
                order_id,
                line,
                currency,
                status_text,
                on_hold=on_hold,
                refunded=refunded or {},
                amounts=refunded_amounts or {},
            )
            for line in payload.get("line_items") or ()
        )
        return Order(
            shop=shop,
            platform_id=order_id,
            number=str(payload.get("number") or order_id),
            created_at=parse_time(payload.get("date_created_gmt")),
            updated_at=updated,
            status=status,
            currency=currency,
            customer=customer,
            lines=lines,
            locale=locale,
            tags=order_tags(payload),
            cancelled_at=updated if status is OrderStatus.CANCELLED else None,
            note=str(payload.get("customer_note") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise PayloadError(f"order does not fit: {error}") from error


def _line(
    order_id: str,
    line: Mapping[str, Any],
    currency: str,
    status: str,
    *,
    on_hold: set[str],
    refunded: Mapping[str, int],
    amounts: Mapping[str, Decimal],
) -> OrderLine:
    line_id = str(int(line["id"]))
    quantity = int(line.get("quantity") or 0)
    backordered = meta_value(line, BACKORDERED_KEY)
    product_id = int(line.get("product_id") or 0)
    variation_id = int(line.get("variation_id") or 0)
    variant = variation_id or product_id
    return OrderLine(
        platform_id=line_id,
        order_id=order_id,
        variant_id=str(variant) if variant else None,
        sku=str(line.get("sku") or ""),
        title=str(line.get("name") or ""),
        quantity=quantity,
        price=_money(line.get("price"), currency),
        fulfilled=quantity if status == "completed" else 0,
        cancelled=min(quantity, refunded.get(line_id, 0)),
        backordered_at_order=int(str(backordered)) if backordered not in (None, "") else None,
        preorder=status == "pre-ordered",
        on_hold=line_id in on_hold,
        refunded=Money(amounts[line_id], currency) if line_id in amounts else None,
    )
