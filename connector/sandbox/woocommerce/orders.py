"""WooCommerce's order rules: when stock moves, what a checkout records, what moves ``date_modified``.

As seen on a real WooCommerce 7.9 store: the REST API sells below zero whatever ``backorders`` says;
stock is reduced once when an order reaches processing / on-hold / completed (guarded per line by
``_reduced_stock``) and restored when it goes back to pending or to cancelled; only a storefront
checkout writes the "Backordered" line meta, only for ``notify`` products; meta-only updates and
notes leave ``date_modified`` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connector.sandbox.woocommerce.catalog import Catalog, WooError, invalid_param
from connector.sandbox.woocommerce.records import Item, Line, Note, Order

__all__ = ["CUSTOMER_EMAILS", "HOLDS_STOCK", "ORDER_STATUSES", "Orders"]

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
    "pre-ordered",
)
HOLDS_STOCK = frozenset({"processing", "on-hold", "completed", "pre-ordered"})
RESTORES_STOCK = frozenset({"pending", "cancelled"})

CUSTOMER_EMAILS: dict[tuple[str, str], str] = {
    **{
        (old, "processing"): "customer_processing_order"
        for old in ("pending", "failed", "cancelled", "on-hold")
    },
    **{(old, "on-hold"): "customer_on_hold_order" for old in ("pending", "failed", "cancelled")},
    **{
        (old, "completed"): "customer_completed_order"
        for old in ORDER_STATUSES
        if old != "completed"
    },
}
"""(from, to) -> the customer email WooCommerce sends on that status change: the triggers
registered in ``WC_Email_Customer_Processing_Order`` (cancelled/failed/on-hold/pending ->
processing), ``WC_Email_Customer_On_Hold_Order`` (pending/failed/cancelled -> on-hold: *not*
from processing) and ``WC_Email_Customer_Completed_Order`` (any -> completed). A pair not
here mails the customer nothing."""


class Orders:
    """Orders, their lines and notes, moving stock through the :class:`Catalog`."""

    def __init__(
        self, catalog: Catalog, now: Callable[[], int], next_id: Callable[[], int]
    ) -> None:
        self.catalog = catalog
        self._now = now
        self._next_id = next_id
        self.orders: dict[int, Order] = {}
        self.next_line_id = 1
        self.next_note_id = 1
        self.customer_emails: list[tuple[int, str]] = []
        """(order id, WooCommerce email id) WooCommerce would have mailed, oldest first."""
        self.on_change: Callable[[Order, str], None] = lambda order, event: None

    def now(self) -> int:
        return self._now()

    def next_post_id(self) -> int:
        """Orders, refunds and products share WordPress's post id sequence."""
        return self._next_id()

    def next_item_id(self) -> int:
        """Order items (lines, and a refund's negative lines) share one id sequence."""
        self.next_line_id += 1
        return self.next_line_id - 1

    def get(self, order_id: int, status: int = 404) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise WooError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def _item_for(self, entry: dict[str, Any]) -> Item:
        catalog = self.catalog
        if entry.get("sku") and not entry.get("product_id"):
            found = catalog.by_sku.get(str(entry["sku"]))
            entry = {**entry, "product_id": found or 0}
        target = int(entry.get("variation_id") or 0) or int(entry.get("product_id") or 0)
        item = catalog.items.get(target)
        if item is None:
            raise WooError(
                400, "woocommerce_rest_invalid_product_id", "Product ID provided is invalid."
            )
        return item

    def create(self, data: dict[str, Any], *, checkout: bool = False) -> Order:
        """A new order; ``checkout`` marks a storefront checkout (the only source of "Backordered")."""
        status = str(data.get("status", "pending"))
        if status not in ORDER_STATUSES:
            raise invalid_param("status", "status is not one of " + ", ".join(ORDER_STATUSES))
        order = Order(self._next_id(), self._now())
        billing = data.get("billing") or {}
        order.email = str(billing.get("email", ""))
        order.first_name = str(billing.get("first_name", ""))
        order.last_name = str(billing.get("last_name", ""))
        order.customer_id = int(data.get("customer_id") or 0)
        order.created_via = "checkout" if checkout else "rest-api"
        for entry in data.get("line_items") or []:
            item = self._item_for(dict(entry))
            product_id = item.parent or item.id
            line = Line(
                self.next_line_id,
                product_id,
                item.id if item.parent else 0,
                int(entry.get("quantity", 1)),
                name=item.name,
                sku=item.sku,
            )
            line.price = item.price
            self.next_line_id += 1
            order.lines.append(line)
        if data.get("meta_data"):
            order.meta = self.catalog.upsert_meta(None, list(data["meta_data"]))
        self.orders[order.id] = order
        if checkout:
            self._record_backordered(order)
        if data.get("set_paid"):
            order.paid = self._now()
            if status == "pending":
                status = "processing"
        self.on_change(order, "created")
        self.set_status(order, status)
        if not checkout:
            self.on_change(order, "updated")  # REST-created orders fire both topics
        return order

    def _record_backordered(self, order: Order) -> None:
        for line in order.lines:
            item = self.catalog.items[line.variation_id or line.product_id]
            owner = self.catalog.stock_owner(item)
            if not owner.manage_stock or owner.backorders != "notify":
                continue
            short = line.qty - max(0, owner.stock or 0)
            if short > 0:
                line.backordered = short

    def set_status(self, order: Order, status: str) -> None:
        """Move an order to ``status``, reducing or restoring stock as WooCommerce does."""
        old = order.status
        order.status = status
        if status in HOLDS_STOCK:
            for line in order.lines:
                if line.reduced == 0 and line.qty > 0:
                    item = self.catalog.items.get(line.variation_id or line.product_id)
                    if item is not None:
                        self.catalog.change_stock(item, -line.qty)
                        item.total_sales += line.qty
                    line.reduced = line.qty
        elif status in RESTORES_STOCK:
            for line in order.lines:
                if line.reduced:
                    item = self.catalog.items.get(line.variation_id or line.product_id)
                    if item is not None:
                        self.catalog.change_stock(item, line.reduced)
                    line.reduced = 0
        if status != old:
            email = CUSTOMER_EMAILS.get((old, status))
            if email is not None and order.email:
                self.customer_emails.append((order.id, email))
            order.modified = self._now()
            self.on_change(order, "updated")

    def update(self, order: Order, data: dict[str, Any], *, validate_input: bool = True) -> None:
        """A REST update. Meta-only updates do not move ``date_modified`` (seen on 7.9)."""
        touched = False
        if "status" in data:
            status = str(data["status"])
            if status not in ORDER_STATUSES:
                if validate_input:
                    raise invalid_param(
                        "status", "status is not one of " + ", ".join(ORDER_STATUSES)
                    )
                status = "pending"  # a batch stores an unknown status as pending
            self.set_status(order, status)
        billing = data.get("billing")
        if isinstance(billing, dict):
            order.email = str(billing.get("email", order.email))
            order.first_name = str(billing.get("first_name", order.first_name))
            order.last_name = str(billing.get("last_name", order.last_name))
            touched = True
        if "meta_data" in data:
            order.meta = self.catalog.upsert_meta(order.meta, list(data["meta_data"] or []))
            self.on_change(order, "updated")
        if isinstance(data.get("line_items"), list):
            self._set_lines(order, [dict(e) for e in data["line_items"] if isinstance(e, dict)])
            touched = True
        if touched:
            order.modified = self._now()
            self.on_change(order, "updated")

    def _set_lines(self, order: Order, entries: list[dict[str, Any]]) -> None:
        """REST ``line_items`` on an update, as ``WC_REST_Orders_V2_Controller`` does it.

        ``quantity: 0`` (or a null ``product_id``) with an ``id`` removes the line without
        restocking it; an entry with an ``id`` updates that line and brings its stock in line with
        its quantity on an order holding stock (``wc_maybe_adjust_line_item_product_stock``); an
        entry without one adds a line and takes no stock. Totals are recomputed on every read.
        """
        for entry in entries:
            line_id = int(entry.get("id") or 0)
            line = next((x for x in order.lines if x.id == line_id), None) if line_id else None
            if line_id and line is None:
                raise WooError(
                    400,
                    "woocommerce_rest_invalid_item_id",
                    "Order item ID provided is not associated with order.",
                )
            if line is not None and (
                entry.get("quantity") == 0
                or ("product_id" in entry and entry["product_id"] is None)
            ):
                order.lines.remove(line)  # REST's remove_item: the stock it took stays taken
                continue
            if line is None:
                item = self._item_for(entry)
                line = Line(
                    self.next_item_id(),
                    item.parent or item.id,
                    item.id if item.parent else 0,
                    int(entry.get("quantity", 1)),
                    name=item.name,
                    sku=item.sku,
                )
                line.price = item.price
                if entry.get("subtotal") is not None and int(entry.get("quantity", 1)) > 0:
                    line.price = str(Decimal(str(entry["subtotal"])) / line.qty)
                order.lines.append(line)
                created = True
            else:
                line.qty = int(entry.get("quantity", line.qty))
                created = False
            if entry.get("total") is not None:
                line.total = f"{Decimal(str(entry['total'])):.2f}"
            if entry.get("meta_data"):
                line.meta = self.catalog.upsert_meta(line.meta, list(entry["meta_data"]))
            if not created and order.status in HOLDS_STOCK:
                held = self.catalog.items.get(line.variation_id or line.product_id)
                if held is not None and self.catalog.stock_owner(held).manage_stock:
                    refunded = self._refunded_units(order, line.id)
                    diff = line.qty - refunded - line.reduced
                    if diff:
                        self.catalog.change_stock(held, -diff)
                        line.reduced += diff

    @staticmethod
    def _refunded_units(order: Order, line_id: int) -> int:
        return sum(
            qty
            for refund in order.refunds or ()
            for _, line, qty, _ in refund.items
            if line.id == line_id
        )

    def edit_line(self, order: Order, sku: str, quantity: int) -> None:
        """An admin order edit: stock follows the new quantity when the order holds stock."""
        for line in list(order.lines):
            if line.sku != sku:
                continue
            delta = quantity - line.qty
            if order.status in HOLDS_STOCK and line.reduced:
                item = self.catalog.items.get(line.variation_id or line.product_id)
                if item is not None:
                    self.catalog.change_stock(item, -delta)
                line.reduced = quantity
            line.qty = quantity
            if quantity <= 0:
                order.lines.remove(line)
            order.modified = self._now()
            self.on_change(order, "updated")
            return
        raise ValueError(f"order {order.id} has no line for {sku}")

    def add_note(self, order: Order, text: str, customer_note: bool, by_user: bool) -> Note:
        note = Note(
            self.next_note_id,
            text,
            customer_note,
            "admin" if by_user else "WooCommerce",
            self._now(),
        )
        self.next_note_id += 1
        if order.notes is None:
            order.notes = []
        order.notes.append(note)
        self.on_change(order, "updated")
        return note
