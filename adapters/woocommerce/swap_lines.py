"""Swap a waiting line of a WooCommerce order for another item (the customer page's swap).

What WooCommerce's REST API does with ``PUT /orders/{id}`` ``line_items`` (read in its source,
``WC_REST_Orders_V2_Controller``: ``prepare_object_for_database``, ``prepare_line_items``,
``save_object``; and ``wc_maybe_adjust_line_item_product_stock`` in ``wc-admin-functions.php``):

* a line without ``id`` is created; its stock is **not** taken (only an update runs
  ``wc_maybe_adjust_line_item_product_stock``, and stock is otherwise reduced once per order);
* a line with ``id`` is updated and, on a processing / on-hold / completed order, its product's
  stock is brought in line with its quantity (``_reduced_stock``);
* ``{"id": ..., "quantity": 0}`` **removes** the line (``$order->remove_item``) without putting its
  stock back (the admin screen's ``wc_save_order_items`` restocks first; REST does not), and
  loses the record of what was paid for it;
* any ``line_items`` in an update recomputes the order's totals (``calculate_totals( true )``).

So the old line is not set to 0 here: its units are refunded with ``api_restock`` through the
cancel's refund path (:func:`adapters.woocommerce.refund_lines.cancel_lines`), which puts their
stock back, keeps the record of the payment and returns the price difference through the gateway
(or records it for the owner when the gateway cannot refund). The new line is added at
``subtotal`` = its price and ``total`` 0.00 (its price was paid with the old line: the order's
total stays what the customer paid, and WooCommerce shows the difference as a discount), then
updated once by id so WooCommerce takes its stock. An order note tells the shop's staff.

Exactly once: the new line carries the key in its ``_bc_swap`` meta, the refund in its reason and
the note in its text; every attempt reads the order back and skips what is already there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.woocommerce.client import WooClient
from adapters.woocommerce.refund_lines import cancel_lines, key_marker
from connector.errors import PayloadError, PlatformDetails, PlatformItemError
from connector.model_cancel import LineCancel
from connector.model_swap import LineSwap, SwapOutcome

__all__ = ["SWAP_META", "swap_line"]

SWAP_META = "_bc_swap"
"""The new line's meta key holding the swap's idempotency key."""


def _new_line(order: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    for line in order.get("line_items") or ():
        if not isinstance(line, Mapping):
            continue
        for meta in line.get("meta_data") or ():
            if (
                isinstance(meta, Mapping)
                and meta.get("key") == SWAP_META
                and meta.get("value") == key
            ):
                return line
    return None


def _sellable(client: WooClient, request: LineSwap) -> None:
    """Refuse an item that cannot ship the units now (REST itself would sell below zero)."""
    path = (
        f"products/{request.product_id}/variations/{request.variant_id}"
        if request.variant_id != request.product_id
        else f"products/{request.variant_id}"
    )
    item = client.once("GET", path).body
    if not isinstance(item, Mapping):
        raise PayloadError(f"{path}: not a product")
    managed = item.get("manage_stock") is True
    stock = int(item.get("stock_quantity") or 0)
    if item.get("status", "publish") != "publish" or (
        (managed and stock < request.units)
        or (not managed and item.get("stock_status") != "instock")
    ):
        text = f"{request.sku or path} cannot ship {request.units} now"
        raise PlatformItemError(
            f"swap on order {request.order_id}: {text}",
            PlatformDetails("woocommerce", 200, None, "NOT_SELLABLE", text),
        )


def swap_line(client: WooClient, request: LineSwap) -> SwapOutcome:
    """Swap ``request``'s units once per key (see the module's docstring)."""
    order_path = f"orders/{request.order_id}"
    marker = key_marker(request.key)

    def add() -> Mapping[str, Any]:
        order = client.once("GET", order_path).body
        if not isinstance(order, Mapping):
            raise PayloadError(f"order {request.order_id}: not an order")
        found = _new_line(order, request.key)
        if found is None:
            _sellable(client, request)
            line: dict[str, Any] = {
                "product_id": int(request.product_id),
                "quantity": request.units,
                "subtotal": f"{request.unit_price * request.units:.2f}",
                "total": "0.00",
                "meta_data": [{"key": SWAP_META, "value": request.key}],
            }
            if request.variant_id != request.product_id:
                line["variation_id"] = int(request.variant_id)
            order = client.once("PUT", order_path, body={"line_items": [line]}).body
            found = _new_line(order, request.key) if isinstance(order, Mapping) else None
            if found is None:
                raise PayloadError(f"order {request.order_id}: the new line was not kept")
        # An update by id is what makes WooCommerce take the line's stock (see above); repeating
        # it changes nothing once ``_reduced_stock`` matches.
        body = {"line_items": [{"id": found.get("id"), "quantity": request.units}]}
        client.once("PUT", order_path, body=body)
        return found

    new = client.retrying(add)
    refund = cancel_lines(
        client,
        LineCancel(
            request.order_id,
            ((request.line_id, request.units),),
            request.key,
            request.reason,
            amounts=((request.line_id, request.difference * request.units),),
        ),
    )
    note = (
        f"{request.reason}: line {request.line_id} x{request.units} replaced by "
        f"{request.sku} (line {new.get('id')}); difference refunded: "
        f"{refund.amount:.2f} {refund.currency}"
        + (f", to pay back by hand: {refund.owed:.2f}" if refund.owed else "")
        + f" {marker}"
    )

    def annotate() -> None:
        notes = client.once("GET", f"{order_path}/notes").body or ()
        if not any(isinstance(n, Mapping) and marker in str(n.get("note") or "") for n in notes):
            client.once("POST", f"{order_path}/notes", body={"note": note, "customer_note": False})

    client.retrying(annotate)
    return SwapOutcome(
        new_line_id=str(new.get("id", "")),
        refund=refund.refund,
        amount=refund.amount,
        currency=refund.currency,
        owed=refund.owed,
        replayed=refund.replayed,
    )
