"""What a merchant and a checkout do to orders, as sandbox control methods (in-process and over
``/__sandbox/``): place, authorize, tax, give payment terms, pay, edit, refund, fulfil, cancel."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from connector.sandbox.shopify import order_money, payments
from connector.sandbox.shopify.records import gid, parse_gid

if TYPE_CHECKING:
    from connector.sandbox.shopify.store import ShopData

__all__ = ["OrderControl"]


class OrderControl:
    """Mixed into :class:`~connector.sandbox.shopify.app.ShopifySandbox`."""

    data: ShopData

    def place_order(
        self,
        email: str,
        lines: Iterable[tuple[str, int]],
        *,
        name: str = "",
        locale: str | None = None,
        checkout: bool = True,
        financial: str = "PAID",
        test: bool = False,
    ) -> str:
        with self.data.lock:
            order = self.data.place(
                email, lines, name=name, locale=locale, financial=financial, test=test
            )
            if financial == "AUTHORIZED":  # a card checkout under manual capture
                payments.authorize(self.data, order)
            return gid("Order", order.id)

    def authorize(
        self,
        order_id: str,
        *,
        days: int = payments.AUTHORIZATION_DAYS,
        multi_capturable: bool = False,
        expires_visible: bool = True,
    ) -> str:
        """Give the order a card authorization of its total, in place of the checkout's (``payments``)."""
        with self.data.lock:
            order = self._order(order_id)
            order.payments = None  # the checkout's one authorization, made again as asked
            auth = payments.authorize(
                self.data,
                order,
                days=days,
                multi_capturable=multi_capturable,
                expires_visible=expires_visible,
            )
            return gid("OrderTransaction", auth.id)

    def money(self, order_id: str) -> dict[str, Any]:
        """What the owner sees of an order's money: captures, capturable, invoices and payment
        reminders sent, the order's total."""
        with self.data.lock:
            order = self._order(order_id)
            record = payments.payments_of(order)
            auths = [t for t in record.transactions if t.kind == "AUTHORIZATION"]
            schedules = order_money.money_terms(self.data, order).schedules
            return {
                "financial": order.financial,
                "captures": [f"{t.amount:.2f}" for t in record.transactions if t.kind == "CAPTURE"],
                "capturable": f"{sum((payments.capturable(self.data, order, a) for a in auths), Decimal(0)):.2f}",
                "invoices": [i.to for i in record.invoices],
                "reminders": [to for s in schedules for to, _ in s.reminders],
                "total": f"{payments.order_total(self.data, order):.2f}",
            }

    def tax_order(
        self,
        order_id: str,
        rate: Decimal,
        *,
        shipping: Decimal = Decimal(0),
        included: bool = False,
    ) -> None:
        """Tax the order's lines and shipping at ``rate`` (prices exclude it unless ``included``);
        call before :meth:`authorize`, as a checkout taxes before it authorizes."""
        with self.data.lock:
            terms = order_money.money_terms(self.data, self._order(order_id))
            terms.tax_rate, terms.taxes_included, terms.shipping = rate, included, shipping
            tax = shipping * rate / (1 + rate) if included else shipping * rate
            terms.shipping_tax = tax.quantize(order_money.CENT)

    def give_payment_terms(self, order_id: str, due_in_days: int = 30) -> str:
        """Net payment terms on the order (one schedule); returns the schedule's id."""
        with self.data.lock:
            schedule = order_money.give_terms(self.data, self._order(order_id), due_in_days)
            return gid("PaymentSchedule", schedule.id)

    def submit_fulfillment(self, order_id: str) -> None:
        """The order's open fulfillment orders go to a fulfillment service: no hold from then on."""
        with self.data.lock:
            self.data.submit_fulfillment(self._order(order_id))

    def set_payment(self, order_id: str, financial: str) -> None:
        """``displayFinancialStatus`` becomes ``financial`` (an orders/updated webhook follows)."""
        with self.data.lock:
            self.data.set_payment(self._order(order_id), financial)

    def _order(self, order_id: str) -> Any:
        ref = parse_gid(order_id, "Order")
        order = self.data.orders.get(ref[1]) if ref else None
        if order is None:
            raise ValueError(f"no order {order_id!r}")
        return order

    def cancel_order(self, order_id: str) -> None:
        with self.data.lock:
            self.data.cancel(self._order(order_id))

    def edit_order_line(self, order_id: str, sku: str, quantity: int) -> None:
        with self.data.lock:
            self.data.edit_line(self._order(order_id), sku, quantity)

    def refund_order_line(
        self, order_id: str, sku: str, quantity: int, amount: str | None = None
    ) -> str:
        """Refund and restock ``quantity`` unshipped units of the line for ``sku``; ``amount`` is
        the money returned (default: the units' price; "0.00" restocks only). The refund's GID."""
        with self.data.lock:
            refund = self.data.refund_line(self._order(order_id), sku, quantity, amount)
        return gid("Refund", refund.id)

    def fulfill_order(self, order_id: str) -> None:
        """Ship everything shippable (not on hold) of an order, as the merchant would."""
        with self.data.lock:
            order = self._order(order_id)
            for fo_id in list(order.fo_ids):
                fo = self.data.fulfillment_orders[fo_id]
                if fo.status in ("OPEN", "IN_PROGRESS"):
                    self.data.fulfill(fo, None)
