"""The official WooCommerce Pre-Orders extension, and a customer paying for a pending order.

What the extension does, as its code reads (``WC_Pre_Orders_Checkout``, ``WC_Pre_Orders_Manager``
2.x, GPL-3.0):

- A checkout of a pre-order product records order meta ``_wc_pre_orders_is_pre_order`` = 1,
  ``_wc_pre_orders_when_charged`` = ``upfront`` | ``upon_release`` (the product's
  ``_wc_pre_orders_when_to_charge``) and ``_wc_pre_orders_status`` = ``active``, and puts the order in
  status ``pre-ordered``. Stock is reduced at that checkout, whichever way it is charged.
- An ``upfront`` order is paid at checkout (``date_paid`` set). An ``upon_release`` order is not
  paid: the customer left a card token, or chose the extension's "pay later" gateway
  (``pre_orders_pay_later``, meta ``_wc_pre_orders_is_pay_later`` = ``yes``).
- At release (``complete_pre_order``) an ``upfront`` order goes to ``processing``; an
  ``upon_release`` order goes to ``pending`` *without* giving its stock back (the extension lifts
  ``wc_maybe_increase_stock_levels`` for that one change) and the customer is asked to pay, by a
  token charge or the "pre-order available" email with the order's ``payment_url``. Either way
  ``_wc_pre_orders_status`` becomes ``completed``.
- When the customer pays, WooCommerce moves the order to ``processing``; the stock, reduced once,
  is not reduced again.

Paying for any pending order (``pay``) is core WooCommerce: the "pay for order" page at the order's
``payment_url`` runs the gateway and ``payment_complete`` sets ``date_paid`` and ``processing``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from connector.sandbox.woocommerce.orders import Orders
from connector.sandbox.woocommerce.records import Item, Order

__all__ = [
    "IS_PAY_LATER",
    "IS_PRE_ORDER",
    "PRE_ORDER_STATUS",
    "WHEN_CHARGED",
    "PreOrders",
    "meta_value",
]

IS_PRE_ORDER = "_wc_pre_orders_is_pre_order"
WHEN_CHARGED = "_wc_pre_orders_when_charged"
PRE_ORDER_STATUS = "_wc_pre_orders_status"
IS_PAY_LATER = "_wc_pre_orders_is_pay_later"
WHEN_CHARGES = ("upfront", "upon_release")


def meta_value(order: Order, key: str) -> Any:
    """The value of one order meta key, or ``None``."""
    for _, name, value in order.meta or ():
        if name == key:
            return value
    return None


class PreOrders:
    """The extension installed in one sandbox store (off until :meth:`install`)."""

    def __init__(
        self, orders: Orders, by_sku: Callable[[str], Item], lock: threading.RLock
    ) -> None:
        self.orders = orders
        self._by_sku = by_sku
        self._lock = lock
        self.installed = False
        self.active = False

    def install(self, *, active: bool = True) -> None:
        """The owner installs the extension; ``active=False`` leaves it installed but off."""
        self.installed = True
        self.active = active

    def place(
        self,
        email: str,
        lines: Iterable[tuple[str, int]],
        *,
        when_charged: str = "upon_release",
        pay_later: bool = True,
        name: str = "",
    ) -> str:
        """A customer's checkout of pre-order products; returns the order id."""
        if not self.active:
            raise ValueError("the Pre-Orders extension is not active: no pre-ordered checkout")
        if when_charged not in WHEN_CHARGES:
            raise ValueError(f"when_charged must be one of {WHEN_CHARGES}")
        first, _, last = name.partition(" ")
        meta: list[dict[str, Any]] = [
            {"key": IS_PRE_ORDER, "value": "1"},
            {"key": WHEN_CHARGED, "value": when_charged},
            {"key": PRE_ORDER_STATUS, "value": "active"},
        ]
        if when_charged == "upon_release" and pay_later:
            meta.append({"key": IS_PAY_LATER, "value": "yes"})
        with self._lock:
            items = [{"product_id": self._by_sku(sku).id, "quantity": qty} for sku, qty in lines]
            data: dict[str, Any] = {
                "status": "pre-ordered",
                "set_paid": when_charged == "upfront",
                "billing": {"first_name": first, "last_name": last, "email": email},
                "line_items": items,
                "meta_data": meta,
            }
            return str(self.orders.create(data, checkout=True).id)

    def release(self, sku: str) -> list[str]:
        """The release date of ``sku``'s product passed: complete its active pre-orders.

        Returns the ids of the orders now waiting for the customer's payment (``pending``).
        """
        with self._lock:
            item = self._by_sku(sku)
            waiting_payment: list[str] = []
            for order in list(self.orders.orders.values()):
                if order.status != "pre-ordered" or str(meta_value(order, IS_PRE_ORDER)) != "1":
                    continue
                if meta_value(order, PRE_ORDER_STATUS) != "active":
                    continue
                if not any(item.id in (line.product_id, line.variation_id) for line in order.lines):
                    continue
                if meta_value(order, WHEN_CHARGED) == "upon_release" and _total(order) > 0:
                    # Pending, but the stock reduced at checkout stays reduced.
                    order.status = "pending"
                    order.modified = self.orders.now()
                    self.orders.on_change(order, "updated")
                    waiting_payment.append(str(order.id))
                else:
                    self.orders.set_status(order, "processing")
                order.meta = self.orders.catalog.upsert_meta(
                    order.meta, [{"key": PRE_ORDER_STATUS, "value": "completed"}]
                )
            return waiting_payment

    def pay(self, order_id: str) -> None:
        """The customer pays on the order's ``payment_url`` (core WooCommerce's pay-for-order page)."""
        with self._lock:
            order = self.orders.get(int(order_id))
            if order.status not in ("pending", "failed"):
                raise ValueError(f"order {order_id} is {order.status}: it does not need payment")
            order.paid = self.orders.now()
            self.orders.set_status(order, "processing")


def _total(order: Order) -> Decimal:
    return sum((Decimal(line.price or "0") * line.qty for line in order.lines), Decimal("0"))
