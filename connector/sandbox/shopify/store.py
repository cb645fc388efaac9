"""The sandbox shop's data and the rules Shopify applies to it: checkout, stock, order edits.

Fulfillment orders (holds, splits, fulfilling) are in :mod:`.fulfillment_orders`, metafields in
:mod:`.metafields`, the record tables in :mod:`.shop_records`.

Everything here is in-process and thread-safe through one lock held by the caller (the WSGI app or
the control API). Timestamps come from the store's clock so tests can move time.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from connector.clock import FrozenClock
from connector.sandbox.seed import (
    SeedSpec,
    generate_customers,
    generate_orders,
    generate_products,
)
from connector.sandbox.shopify.fulfillment_orders import FulfillmentOrderRules
from connector.sandbox.shopify.metafields import MetafieldRules
from connector.sandbox.shopify.records import (
    METAFIELD_NAMESPACE,
    RELEASE_DATE_KEY,
    SCustomer,
    SFulfillmentOrder,
    SLine,
    SOrder,
    SProduct,
    SRefund,
    SVariant,
)

__all__ = ["PREORDER_PLAN", "ShopData"]

PREORDER_PLAN = "Pre-order"
"""The selling plan name seeded pre-order products carry (and their order lines)."""


class ShopData(FulfillmentOrderRules, MetafieldRules):
    """All records of one sandbox shop, with the operations that change them the way Shopify does.

    Checkout, stock and order edits are here; fulfillment orders and metafields in their own
    modules; the record tables in :mod:`.shop_records`.
    """

    # ---- seeding ---------------------------------------------------------------------------

    def seed(self, spec: SeedSpec) -> None:
        """Build the catalog and customers, then place the seeded orders through checkout."""
        now = self.clock()
        for seeded in generate_products(spec):
            product = SProduct(
                self.next_id(),
                seeded.title,
                seeded.product_type,
                seeded.vendor,
                # A pre-order product carries the "preorder" tag, as in the WooCommerce sandbox.
                [*seeded.tags, *(["preorder"] if seeded.release_date else [])],
                now,
            )
            self.products[product.id] = product
            if seeded.release_date is not None:
                self.set_metafield(
                    product,
                    METAFIELD_NAMESPACE,
                    RELEASE_DATE_KEY,
                    seeded.release_date.isoformat(),
                    "date",
                )
            for sv in seeded.variants:
                policy = "CONTINUE" if sv.continue_selling or seeded.release_date else "DENY"
                variant = SVariant(
                    self.next_id(),
                    product.id,
                    sv.title,
                    sv.sku,
                    f"{sv.price:.2f}",
                    sv.stock,
                    sv.tracked,
                    policy,
                    now,
                )
                self.variants[variant.id] = variant
                self.by_sku[variant.sku] = variant.id
                product.variant_ids.append(variant.id)
        for sc in generate_customers(spec):
            customer = SCustomer(
                self.next_id(), sc.email, sc.first_name, sc.last_name, sc.locale, list(sc.tags)
            )
            self.customers[customer.id] = customer
            self.by_email[customer.email] = customer.id
        keys = list(self.customers)
        for so in generate_orders(spec, list(self.by_sku)):
            customer = self.customers[keys[(so.customer_key - 1) % len(keys)]]
            # Checkout refuses DENY variants without stock: drop those lines, as a shopper would.
            lines = [(sku, qty) for sku, qty in so.lines if self._can_sell(sku, qty)]
            if not lines:
                continue
            # Orders keep their seeded times (as the WooCommerce sandbox's do), so both shops
            # queue the same customers in the same order; a frozen clock moves forward with them.
            if isinstance(self.clock, FrozenClock) and so.created_at > self.clock():
                self.clock.set(so.created_at)
            order = self.place(customer.email, lines, locale=customer.locale, notify=False)
            order.created_at = order.updated_at = min(so.created_at, self.clock())

    def _can_sell(self, sku: str, quantity: int) -> bool:
        variant = self.variants[self.by_sku[sku]]
        return not (variant.tracked and variant.policy == "DENY" and variant.available < quantity)

    # ---- shop operations -------------------------------------------------------------------

    def customer_for(self, email: str, name: str = "", locale: str | None = None) -> SCustomer:
        known = self.by_email.get(email)
        if known is not None:
            return self.customers[known]
        first, _, last = (name or email.split("@", maxsplit=1)[0]).partition(" ")
        customer = SCustomer(self.next_id(), email, first, last, locale or "en", [])
        self.customers[customer.id] = customer
        self.by_email[email] = customer.id
        return customer

    def place(
        self,
        email: str,
        lines: Iterable[tuple[str, int]],
        *,
        name: str = "",
        locale: str | None = None,
        notify: bool = True,
        financial: str = "PAID",
        test: bool = False,
    ) -> SOrder:
        """A storefront checkout: refuses DENY without stock, moves available to committed.

        Stock is committed whatever the payment state (``financial``) and for test orders too.
        """
        wanted = [(self.variant_by_sku(sku), qty) for sku, qty in lines]
        if not wanted:
            raise ValueError("an order needs at least one line")
        # Quantities add up per variant, as a cart does: two lines of one SKU cannot oversell it.
        asked: dict[int, int] = {}
        for variant, qty in wanted:
            if qty <= 0:
                raise ValueError(f"quantity must be positive for {variant.sku}")
            asked[id(variant)] = asked.get(id(variant), 0) + qty
            if (
                variant.tracked
                and variant.policy == "DENY"
                and variant.available < asked[id(variant)]
            ):
                raise ValueError(f"{variant.sku} is sold out and does not continue selling")
        now = self.clock()
        customer = self.customer_for(email, name, locale)
        order = SOrder(self.next_id(), 1000 + len(self.orders) + 1, customer, now, locale)
        order.locale = locale or customer.locale
        order.financial, order.test = financial, test
        fo = SFulfillmentOrder(self.next_id(), order.id, now)
        for variant, qty in wanted:
            product = self.products[variant.product_id]
            line = SLine(
                self.next_id(),
                order.id,
                variant,
                product.title,
                qty,
                product.release_date is not None,
            )
            self.lines[line.id] = line
            order.line_ids.append(line.id)
            fo.remaining[line.id] = [qty, qty]
            self._move_stock(variant, -qty, committed=qty)
        self.fulfillment_orders[fo.id] = fo
        order.fo_ids.append(fo.id)
        self.orders[order.id] = order
        if notify:
            self.emit("orders/create", {"order": order.id})
            for variant, _ in wanted:
                self.emit("inventory_levels/update", {"variant": variant.id})
        return order

    def set_payment(self, order: SOrder, financial: str) -> None:
        """The order's payment state moves (a bank transfer arrives, an authorization is voided)."""
        order.financial = financial
        self.touch_order(order)

    def _move_stock(self, variant: SVariant, delta: int, committed: int = 0) -> None:
        if not variant.tracked:
            return
        variant.available += delta
        variant.committed += committed
        variant.updated_at = self.clock()

    def receive_stock(self, sku: str, quantity: int) -> None:
        variant = self.variant_by_sku(sku)
        variant.available += quantity
        variant.updated_at = self.clock()
        self.emit("inventory_levels/update", {"variant": variant.id})

    def cancel(self, order: SOrder) -> None:
        if order.cancelled_at is not None:
            return
        for line_id in order.line_ids:
            line = self.lines[line_id]
            open_qty = line.current - line.fulfilled
            self._move_stock(self.variants[line.variant_id], open_qty, committed=-open_qty)
        for fo_id in order.fo_ids:
            fo = self.fulfillment_orders[fo_id]
            if fo.status != "CLOSED":
                fo.status = "CANCELLED"
                fo.holds.clear()
                fo.updated_at = self.clock()
        order.cancelled_at = self.clock()
        self.touch_order(order, "orders/cancelled")
        self.emit("orders/updated", {"order": order.id})

    def edit_line(self, order: SOrder, sku: str, quantity: int) -> None:
        if quantity < 0:
            raise ValueError("quantity cannot be negative")
        for line_id in order.line_ids:
            line = self.lines[line_id]
            if line.sku != sku:
                continue
            if quantity < line.fulfilled:
                raise ValueError("cannot remove fulfilled units")
            delta = quantity - line.current
            variant = self.variants[line.variant_id]
            if delta > 0 and not self._can_sell(sku, delta):
                raise ValueError(f"{sku} is sold out and does not continue selling")
            self._move_stock(variant, -delta, committed=delta)
            line.current = quantity
            self._resize_line_on_fulfillment_orders(order, line, delta)
            self.touch_order(order)
            # Shopify sends orders/edited as well, its payload an order edit, not the order.
            self.emit("orders/edited", {"order_edit": order.id, "line": line.id, "delta": delta})
            return
        raise ValueError(f"order has no line for {sku!r}")

    def refund_line(
        self, order: SOrder, sku: str, quantity: int, amount: str | None = None
    ) -> SRefund:
        """Refund (and restock) ``quantity`` unshipped units of the order's line for ``sku``.

        ``amount`` is the money returned to the customer: by default the units' price, as
        Shopify's admin suggests; "0.00" restocks without moving money. The refund keeps the
        line with its quantity and subtotal (price times quantity, whatever the amount). The
        line's ``currentQuantity`` drops as with an edit; Shopify sends refunds/create (the
        refund, naming its order by ``order_id``) and orders/updated.
        """
        line = next((self.lines[i] for i in order.line_ids if self.lines[i].sku == sku), None)
        if line is None:
            raise ValueError(f"order has no line for {sku!r}")
        if not 0 < quantity <= line.current - line.fulfilled:
            raise ValueError("can only refund unshipped units")
        subtotal = f"{Decimal(line.price) * quantity:.2f}"
        money = f"{Decimal(subtotal if amount is None else amount):.2f}"
        if Decimal(money) < 0:
            raise ValueError("a refund cannot be negative")
        self._move_stock(self.variants[line.variant_id], quantity, committed=-quantity)
        line.current -= quantity
        self._resize_line_on_fulfillment_orders(order, line, -quantity)
        refund = SRefund(
            self.next_id(), order.id, money, [(line.id, quantity, subtotal)], self.clock()
        )
        order.refunds = [*(order.refunds or ()), refund]
        self.touch_order(order)
        self.emit("refunds/create", {"refund": refund.id, "refund_order": order.id})
        return refund

    # ---- state -----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything a merchant sees, as JSON-able data keyed by GID (see :mod:`.snapshot`)."""
        from connector.sandbox.shopify.snapshot import shop_state

        return shop_state(self)
