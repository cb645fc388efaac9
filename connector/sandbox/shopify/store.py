"""The sandbox shop's data and the rules Shopify applies to it (checkout, stock, holds, fulfillment).

Everything here is in-process and thread-safe through one lock held by the caller (the WSGI app or
the control API). Timestamps come from the store's clock so tests can move time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from connector.clock import FrozenClock
from connector.sandbox.seed import (
    SeedSpec,
    generate_customers,
    generate_orders,
    generate_products,
)
from connector.sandbox.shopify.collections import SCollection
from connector.sandbox.shopify.records import (
    METAFIELD_NAMESPACE,
    RELEASE_DATE_KEY,
    SCustomer,
    SFulfillmentOrder,
    SHold,
    SLine,
    SMetafield,
    SOrder,
    SProduct,
    SRefund,
    SVariant,
    SWebhook,
    parse_gid,
)

__all__ = ["PREORDER_PLAN", "ShopData"]

PREORDER_PLAN = "Pre-order"
"""The selling plan name seeded pre-order products carry (and their order lines)."""

Emit = Callable[[str, dict[str, Any]], None]


class ShopData:
    """All records of one sandbox shop, with the operations that change them the way Shopify does."""

    def __init__(self, clock: FrozenClock, emit: Emit | None = None) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.emit: Emit = emit or (lambda topic, payload: None)
        self.failing_writes = False
        self.locations = 1
        """How many locations stock every tracked item (its stock is spread over them)."""
        self.clear()

    def clear(self) -> None:
        self.products: dict[int, SProduct] = {}
        self.variants: dict[int, SVariant] = {}
        self.by_sku: dict[str, int] = {}
        self.customers: dict[int, SCustomer] = {}
        self.by_email: dict[str, int] = {}
        self.orders: dict[int, SOrder] = {}
        self.lines: dict[int, SLine] = {}
        self.fulfillment_orders: dict[int, SFulfillmentOrder] = {}
        self.webhooks: dict[int, SWebhook] = {}
        self.discount_codes: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, Any] = {}
        """``@idempotent`` keys already used, with the answer their mutation gave."""
        self.metafield_definitions: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.order_money: dict[int, Any] = {}
        """Order id -> its taxes, shipping and payment terms (``order_money.OrderMoneyTerms``)."""
        self.collections: dict[int, SCollection] = {}
        self.edit_staff_notes: dict[int, list[str]] = {}
        """Order id -> the staff notes its committed edits carried (the order's timeline)."""
        self._next = 1000

    def next_id(self) -> int:
        self._next += 1
        return self._next

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

    def variant_by_sku(self, sku: str) -> SVariant:
        try:
            return self.variants[self.by_sku[sku]]
        except KeyError:
            raise ValueError(f"no variant with SKU {sku!r}") from None

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

    def submit_fulfillment(self, order: SOrder) -> None:
        """Send the order's open fulfillment orders to a fulfillment service (a warehouse)."""
        for fo_id in order.fo_ids:
            fo = self.fulfillment_orders[fo_id]
            if fo.status == "OPEN":
                fo.request_status = "SUBMITTED"
                fo.updated_at = self.clock()
        self.touch_order(order)

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

    def touch_order(self, order: SOrder, topic: str = "orders/updated") -> None:
        order.updated_at = self.clock()
        self.emit(topic, {"order": order.id})

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

    def _resize_line_on_fulfillment_orders(self, order: SOrder, line: SLine, delta: int) -> None:
        for fo_id in order.fo_ids:
            fo = self.fulfillment_orders[fo_id]
            slot = fo.remaining.get(line.id)
            if slot is None or fo.status in ("CLOSED", "CANCELLED"):
                continue
            change = max(delta, -slot[1])
            slot[0] += change
            slot[1] += change
            delta -= change
            fo.updated_at = self.clock()
            if not any(rem for _, rem in fo.remaining.values()):
                fo.status = "CLOSED"
            if delta == 0:
                break

    # ---- fulfillment orders ------------------------------------------------------------------

    def split_off(self, fo: SFulfillmentOrder, moves: dict[int, int]) -> SFulfillmentOrder:
        """Move ``moves`` (line id -> quantity) from ``fo`` to a new fulfillment order."""
        order = self.orders[fo.order_id]
        new = SFulfillmentOrder(self.next_id(), fo.order_id, self.clock())
        for line_id, qty in moves.items():
            slot = fo.remaining[line_id]
            slot[0] -= qty
            slot[1] -= qty
            new.remaining[line_id] = [qty, qty]
            if slot[0] == 0:
                del fo.remaining[line_id]
        self.fulfillment_orders[new.id] = new
        order.fo_ids.append(new.id)
        fo.updated_at = self.clock()
        return new

    def hold(
        self,
        fo: SFulfillmentOrder,
        reason: str,
        handle: str | None,
        moves: dict[int, int] | None,
    ) -> tuple[SHold, SFulfillmentOrder | None]:
        """Put ``fo`` (or only the ``moves`` part of it) on hold; returns the hold and the rest."""
        remaining: SFulfillmentOrder | None = None
        if moves:
            # Shopify keeps the id on the held part and moves the rest to a new fulfillment order.
            rest = {
                line: slot[1] - moves.get(line, 0)
                for line, slot in fo.remaining.items()
                if slot[1] - moves.get(line, 0) > 0
            }
            if rest:
                remaining = self.split_off(fo, rest)
        hold = SHold(self.next_id(), handle, reason, ours=True)
        fo.holds.append(hold)
        fo.status = "ON_HOLD"
        fo.updated_at = self.clock()
        self.touch_order(self.orders[fo.order_id])
        return hold, remaining

    def release(self, fo: SFulfillmentOrder, hold_ids: list[int] | None) -> None:
        if hold_ids is None:
            fo.holds.clear()
        else:
            fo.holds = [h for h in fo.holds if h.id not in hold_ids]
        if not fo.holds and fo.status == "ON_HOLD":
            fo.status = "OPEN"
        fo.updated_at = self.clock()
        self.touch_order(self.orders[fo.order_id])

    def fulfill(self, fo: SFulfillmentOrder, moves: dict[int, int] | None) -> None:
        order = self.orders[fo.order_id]
        for line_id, slot in fo.remaining.items():
            qty = slot[1] if moves is None else min(moves.get(line_id, 0), slot[1])
            if qty <= 0:
                continue
            slot[1] -= qty
            line = self.lines[line_id]
            line.fulfilled += qty
            variant = self.variants[line.variant_id]
            if variant.tracked:
                variant.committed -= qty
                variant.updated_at = self.clock()
        if not any(slot[1] for slot in fo.remaining.values()):
            fo.status = "CLOSED"
        fo.updated_at = self.clock()
        self.touch_order(order)

    def display_status(self, order: SOrder) -> str:
        lines = [self.lines[i] for i in order.line_ids]
        shipped = sum(line.fulfilled for line in lines)
        wanted = sum(line.current for line in lines)
        if wanted and shipped >= wanted:
            return "FULFILLED"
        # Shopify: ON_HOLD means *all* unfulfilled items are on hold. A hold of only the
        # backordered lines leaves the in-stock rest OPEN, and the order UNFULFILLED.
        waiting = [
            fo
            for fo in (self.fulfillment_orders[f] for f in order.fo_ids)
            if fo.status not in ("CLOSED", "CANCELLED") and any(r for _, r in fo.remaining.values())
        ]
        if waiting and all(fo.status == "ON_HOLD" for fo in waiting):
            return "ON_HOLD"
        return "PARTIALLY_FULFILLED" if shipped else "UNFULFILLED"

    # ---- metafields ----------------------------------------------------------------------------

    def metafield(self, owner: SProduct | SVariant, namespace: str, key: str) -> SMetafield | None:
        for field in owner.metafields or ():
            if field.namespace == namespace and field.key == key:
                return field
        return None

    def set_metafield(
        self, owner: SProduct | SVariant, namespace: str, key: str, value: str, type_: str
    ) -> SMetafield:
        field = self.metafield(owner, namespace, key)
        now = self.clock()
        if field is None:
            field = SMetafield(self.next_id(), namespace, key, value, type_, now)
            owner.metafields = [*(owner.metafields or ()), field]
        elif field.value != value or field.type != type_:
            field.value, field.type, field.updated_at = value, type_, now
        owner.updated_at = now
        return field

    def delete_metafield(self, owner: SProduct | SVariant, namespace: str, key: str) -> bool:
        field = self.metafield(owner, namespace, key)
        if field is None:
            return False
        owner.metafields = [m for m in owner.metafields or () if m is not field]
        owner.updated_at = self.clock()
        return True

    def metafield_owner(self, owner_id: str) -> SProduct | SVariant | None:
        """The product or variant a metafield ``ownerId`` names, if it exists."""
        ref = parse_gid(owner_id)
        if ref is None:
            return None
        if ref[0] == "Product":
            return self.products.get(ref[1])
        return self.variants.get(ref[1]) if ref[0] == "ProductVariant" else None

    def set_release_date(self, sku: str, release: date | None) -> None:
        """The merchant sets (or clears) the product's release date metafield."""
        product = self.products[self.variant_by_sku(sku).product_id]
        if release is None:
            self.delete_metafield(product, METAFIELD_NAMESPACE, RELEASE_DATE_KEY)
        else:
            self.set_metafield(
                product, METAFIELD_NAMESPACE, RELEASE_DATE_KEY, release.isoformat(), "date"
            )

    # ---- state -----------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything a merchant sees, as JSON-able data keyed by GID (see :mod:`.snapshot`)."""
        from connector.sandbox.shopify.snapshot import shop_state

        return shop_state(self)
