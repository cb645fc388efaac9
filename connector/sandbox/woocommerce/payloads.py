"""The JSON shapes WooCommerce 7.9 answers with, key for key (checked against real captures)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connector.sandbox.woocommerce.catalog import UNCATEGORIZED, Catalog
from connector.sandbox.woocommerce.records import (
    GATEWAY_TITLES,
    Coupon,
    Item,
    Note,
    Order,
    Webhook,
    fmt_time,
)

__all__ = [
    "coupon_json",
    "note_json",
    "order_json",
    "product_json",
    "variation_json",
    "webhook_json",
]

CURRENCY = "EUR"
_TOPIC_HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post"],
    "product.created": ["woocommerce_process_product_meta", "woocommerce_new_product"],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
}


def _dates(prefix: str, epoch: int | None) -> dict[str, Any]:
    return {prefix: fmt_time(epoch), f"{prefix}_gmt": fmt_time(epoch)}


def _links(base: str, path: str, collection: str, **extra: str) -> dict[str, Any]:
    links: dict[str, Any] = {
        "self": [{"href": f"{base}/wp-json/wc/v3/{path}"}],
        "collection": [{"href": f"{base}/wp-json/wc/v3/{collection}"}],
    }
    for rel, href in extra.items():
        links[rel] = [{"href": f"{base}/wp-json/wc/v3/{href}"}]
    return links


def _meta(rows: list[list[Any]] | None) -> list[dict[str, Any]]:
    return [{"id": row[0], "key": row[1], "value": row[2]} for row in rows or ()]


def _stock_fields(catalog: Catalog, item: Item) -> dict[str, Any]:
    owner = catalog.stock_owner(item)
    parent_managed = owner is not item
    managed: bool | str = "parent" if parent_managed else item.manage_stock
    backorders = owner.backorders if parent_managed else item.backorders
    return {
        "manage_stock": managed,
        "stock_quantity": owner.stock if owner.manage_stock else None,
        "stock_status": owner.stock_status if parent_managed else item.stock_status,
        "backorders": backorders,
        "backorders_allowed": backorders != "no",
        "backordered": (owner.stock_status if parent_managed else item.stock_status)
        == "onbackorder",
    }


def product_json(catalog: Catalog, item: Item, base: str) -> dict[str, Any]:
    slug = "-".join(item.name.lower().split()) or f"product-{item.id}"
    stock = _stock_fields(catalog, item)
    return {
        "id": item.id,
        "name": item.name,
        "slug": slug,
        "permalink": f"{base}/product/{slug}/",
        **_dates("date_created", item.created),
        **_dates("date_modified", item.modified),
        "type": item.kind,
        "status": item.status,
        "featured": False,
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        "sku": item.sku,
        "price": item.price,
        "regular_price": item.price,
        "sale_price": "",
        **_dates("date_on_sale_from", None),
        **_dates("date_on_sale_to", None),
        "on_sale": False,
        "purchasable": bool(item.price),
        "total_sales": item.total_sales,
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "external_url": "",
        "button_text": "",
        "tax_status": "taxable",
        "tax_class": "",
        "manage_stock": stock["manage_stock"],
        "stock_quantity": stock["stock_quantity"],
        "backorders": stock["backorders"],
        "backorders_allowed": stock["backorders_allowed"],
        "backordered": stock["backordered"],
        "low_stock_amount": None,
        "sold_individually": False,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_required": True,
        "shipping_taxable": True,
        "shipping_class": "",
        "shipping_class_id": 0,
        "reviews_allowed": True,
        "average_rating": "0",
        "rating_count": 0,
        "upsell_ids": [],
        "cross_sell_ids": [],
        "parent_id": item.parent,
        "purchase_note": "",
        "categories": [
            {"id": c, "name": catalog.categories[c][0], "slug": catalog.categories[c][1]}
            for c in item.categories or (UNCATEGORIZED,)
        ],
        "tags": [
            {"id": tag, "name": catalog.tags[tag][0], "slug": catalog.tags[tag][1]}
            for tag in item.tags or ()
        ],
        "images": [],
        "attributes": [],
        "default_attributes": [],
        "variations": list(item.children or ()),
        "grouped_products": [],
        "menu_order": 0,
        "price_html": f'<span class="woocommerce-Price-amount amount">{item.price}</span>',
        "related_ids": [],
        "meta_data": _meta(item.meta),
        "stock_status": stock["stock_status"],
        "has_options": item.kind == "variable",
        "_links": _links(base, f"products/{item.id}", "products"),
    }


def variation_json(catalog: Catalog, item: Item, base: str) -> dict[str, Any]:
    stock = _stock_fields(catalog, item)
    parent = item.parent
    return {
        "id": item.id,
        **_dates("date_created", item.created),
        **_dates("date_modified", item.modified),
        "description": "",
        "permalink": f"{base}/?p={parent}&variation={item.id}",
        "sku": item.sku,
        "price": item.price,
        "regular_price": item.price,
        "sale_price": "",
        **_dates("date_on_sale_from", None),
        **_dates("date_on_sale_to", None),
        "on_sale": False,
        "status": item.status,
        "purchasable": bool(item.price),
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "tax_status": "taxable",
        "tax_class": "",
        **stock,
        "low_stock_amount": None,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "image": None,
        "attributes": [{"id": 0, "name": "Option", "option": item.name.rsplit(" - ", 1)[-1]}],
        "menu_order": 0,
        "meta_data": _meta(item.meta),
        "_links": _links(
            base,
            f"products/{parent}/variations/{item.id}",
            f"products/{parent}/variations",
            up=f"products/{parent}",
        ),
    }


def _line_json(catalog: Catalog, order: Order, index: int) -> dict[str, Any]:
    line = order.lines[index]
    meta: list[dict[str, Any]] = []
    if line.backordered is not None:
        meta.append(
            {
                "id": line.id * 10 + 1,
                "key": "Backordered",
                "value": str(line.backordered),
                "display_key": "Backordered",
                "display_value": str(line.backordered),
            }
        )
    if line.reduced:
        meta.append(
            {
                "id": line.id * 10 + 2,
                "key": "_reduced_stock",
                "value": str(line.reduced),
                "display_key": "_reduced_stock",
                "display_value": str(line.reduced),
            }
        )
    for row in line.meta or ():
        meta.append(
            {
                "id": row[0],
                "key": row[1],
                "value": row[2],
                "display_key": row[1],
                "display_value": row[2],
            }
        )
    price = Decimal(line.price or "0")
    subtotal = f"{price * line.qty:.2f}"
    total = line.total if line.total is not None else subtotal
    parent = catalog.items.get(line.product_id)
    return {
        "id": line.id,
        "name": line.name,
        "product_id": line.product_id,
        "variation_id": line.variation_id,
        "quantity": line.qty,
        "tax_class": "",
        "subtotal": subtotal,
        "subtotal_tax": "0.00",
        "total": total,
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": meta,
        "sku": line.sku,
        "price": float(price) if price % 1 else int(price),
        "image": {"id": "", "src": ""},
        "parent_name": parent.name if parent is not None and line.variation_id else None,
    }


def order_json(catalog: Catalog, order: Order, base: str) -> dict[str, Any]:
    lines = [_line_json(catalog, order, index) for index in range(len(order.lines))]
    total = sum((Decimal(line["total"]) for line in lines), Decimal("0"))
    billing = {
        "first_name": order.first_name,
        "last_name": order.last_name,
        "company": "",
        "address_1": "",
        "address_2": "",
        "city": "",
        "state": "",
        "postcode": "",
        "country": "",
        "email": order.email,
        "phone": "",
    }
    shipping = {key: value for key, value in billing.items() if key != "email"}
    completed = order.modified if order.status == "completed" else None
    return {
        "id": order.id,
        "parent_id": 0,
        "status": order.status,
        "currency": CURRENCY,
        "version": "7.9.0",
        "prices_include_tax": False,
        "date_created": fmt_time(order.created),
        "date_modified": fmt_time(order.modified),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": f"{total:.2f}",
        "total_tax": "0.00",
        "customer_id": order.customer_id,
        "order_key": f"wc_order_{order.id:013d}",
        "billing": billing,
        "shipping": shipping,
        "payment_method": order.payment_method,
        "payment_method_title": GATEWAY_TITLES.get(order.payment_method, order.payment_method),
        "transaction_id": "",
        "customer_ip_address": "",
        "customer_user_agent": "",
        "created_via": order.created_via,
        "customer_note": "",
        "date_completed": fmt_time(completed),
        "date_paid": fmt_time(order.paid),
        "cart_hash": "",
        "number": str(order.id),
        "meta_data": _meta(order.meta),
        "line_items": lines,
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [
            {"id": r.id, "reason": r.reason, "total": f"-{r.amount}"}
            for r in reversed(order.refunds or [])
        ],
        # WC_Order::get_checkout_payment_url(): the order's key makes the link work without a login.
        "payment_url": (
            f"{base}/checkout/order-pay/{order.id}/?pay_for_order=true&key=wc_order_{order.id:013d}"
        ),
        "is_editable": order.status in ("pending", "on-hold", "checkout-draft"),
        # WC_Order::needs_payment(): a status valid for payment (pending, failed) and a total above 0.
        "needs_payment": order.status in ("pending", "failed") and total > 0,
        "needs_processing": True,
        "date_created_gmt": fmt_time(order.created),
        "date_modified_gmt": fmt_time(order.modified),
        "date_completed_gmt": fmt_time(completed),
        "date_paid_gmt": fmt_time(order.paid),
        "currency_symbol": "€",
        "_links": _links(base, f"orders/{order.id}", "orders"),
    }


def note_json(order: Order, note: Note, base: str) -> dict[str, Any]:
    return {
        "id": note.id,
        "author": note.author,
        **_dates("date_created", note.created),
        "note": note.text,
        "customer_note": note.customer_note,
        "_links": _links(
            base,
            f"orders/{order.id}/notes/{note.id}",
            f"orders/{order.id}/notes",
            up=f"orders/{order.id}",
        ),
    }


def webhook_json(hook: Webhook, base: str) -> dict[str, Any]:
    resource, _, event = hook.topic.partition(".")
    return {
        "id": hook.id,
        "name": hook.name,
        "status": hook.status,
        "topic": hook.topic,
        "resource": resource,
        "event": event,
        "hooks": _TOPIC_HOOKS.get(hook.topic, []),
        "delivery_url": hook.delivery_url,
        **_dates("date_created", hook.created),
        **_dates("date_modified", hook.modified),
        "_links": _links(base, f"webhooks/{hook.id}", "webhooks"),
    }


def coupon_json(coupon: Coupon, base: str) -> dict[str, Any]:
    return {
        "id": coupon.id,
        "code": coupon.code,
        "amount": coupon.amount,
        **_dates("date_created", coupon.created),
        **_dates("date_modified", coupon.modified),
        "discount_type": coupon.discount_type,
        "description": "",
        "date_expires": None,
        "date_expires_gmt": None,
        "usage_count": 0,
        "individual_use": True,
        "product_ids": [],
        "excluded_product_ids": [],
        "usage_limit": coupon.usage,
        "usage_limit_per_user": None,
        "limit_usage_to_x_items": None,
        "free_shipping": False,
        "product_categories": [],
        "excluded_product_categories": [],
        "exclude_sale_items": False,
        "minimum_amount": "0.00",
        "maximum_amount": "0.00",
        "email_restrictions": list(coupon.emails),
        "used_by": [],
        "meta_data": [],
        "_links": _links(base, f"coupons/{coupon.id}", "coupons"),
    }
