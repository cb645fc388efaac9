"""The money of waiting orders on Shopify: read authorizations, capture, send an invoice.

Shopify facts this relies on (each a sandbox behaviour with a test, see ``docs/payments.md``):

- ``OrderTransaction.authorizationExpiresAt`` is filled on Shopify Plus only; elsewhere an
  authorization's end is its ``createdAt`` plus the gateway's period (Shopify Payments: 7 days,
  ``authorization_days``).
- ``orderCapture`` takes a partial ``amount``; a capture after the expiry is refused.
- ``LineItem.taxLines`` are the taxes of the whole line (refunded units included); with
  ``Order.taxesIncluded`` the line prices already hold them. ``Order.shippingLine`` sums the
  order's shipping (``discountedPriceSet``) and its ``taxLines``.
- ``paymentReminderSend(paymentScheduleId)`` mails the customer a reminder for one unpaid
  schedule (``completedAt`` null) of an order's ``paymentTerms``; an order without terms has
  none, and then ``orderInvoiceSend`` is the way to ask for payment.
- ``orderCapture`` has no idempotency key in 2026-10. So a capture is sent **once**, with no
  automatic retry: a lost answer (network, 5xx, throttle) is reported ``UNKNOWN``, and the caller
  reads the transactions (``captured`` grows when it ran) before it ever tries again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from adapters.common import parse_time
from adapters.shopify.client import GraphQLClient
from connector.errors import PayloadError, PermissionDenied, RetryableError
from connector.model import Money
from connector.payments_model import (
    Authorization,
    LineTax,
    MoneyOutcome,
    MoneyResult,
    OrderMoney,
)

__all__ = ["READ_BATCH", "ShopifyPayments", "map_authorizations", "map_order_money"]

REMINDER = "payment reminder"
"""What a done ``send_invoice`` says when it sent ``paymentReminderSend`` (the ledger keeps it)."""

READ_BATCH = 10
"""Orders per ``OrderTransactions`` call (20 transactions each stays far below 1,000 points)."""


def _money(node: Any, field: str) -> Money | None:
    shop = (node or {}).get("shopMoney") if isinstance(node, Mapping) else None
    if not isinstance(shop, Mapping):
        return None
    try:
        return Money(Decimal(str(shop.get("amount"))), str(shop.get("currencyCode") or "USD"))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{field} {shop.get('amount')!r} is not an amount") from None


def map_authorizations(node: Mapping[str, Any], authorization_days: int) -> list[Authorization]:
    """The successful authorizations of one order node (``OrderTransactions``); bad ones skipped."""
    order_id = str(node.get("id") or "")
    transactions = [t for t in node.get("transactions") or () if isinstance(t, Mapping)]
    captured: dict[str, Decimal] = {}
    for t in transactions:
        parent = (t.get("parentTransaction") or {}).get("id")
        amount = _money(t.get("amountSet"), "amountSet")
        if t.get("kind") == "CAPTURE" and t.get("status") == "SUCCESS" and parent and amount:
            captured[parent] = captured.get(parent, Decimal(0)) + amount.amount
    found: list[Authorization] = []
    for t in transactions:
        if t.get("kind") != "AUTHORIZATION" or t.get("status") != "SUCCESS":
            continue
        try:
            amount = _money(t.get("amountSet"), "amountSet")
            if amount is None:
                continue
            created = parse_time(t.get("createdAt"), "createdAt")
            stated = t.get("authorizationExpiresAt")
            expires: datetime | None = (
                parse_time(stated, "authorizationExpiresAt") if stated else None
            )
            if expires is None and authorization_days > 0:
                # Not on Plus: Shopify does not say; the gateway's period from the checkout does.
                expires = created + timedelta(days=authorization_days)
            taken = captured.get(str(t.get("id")), Decimal(0))
            unsettled = _money(t.get("totalUnsettledSet"), "totalUnsettledSet")
            left = (
                unsettled.amount
                if unsettled is not None
                else max(Decimal(0), amount.amount - taken)
            )
        except PayloadError:
            continue  # one unreadable transaction must not hide the order's others
        found.append(
            Authorization(
                order_id=order_id,
                transaction_id=str(t.get("id")),
                amount=amount,
                capturable=Money(left, amount.currency),
                captured=Money(taken, amount.currency),
                created_at=created,
                expires_at=expires,
                multi_capturable=bool(t.get("multiCapturable")),
            )
        )
    return found


def _sum(node: Mapping[str, Any], kinds: tuple[str, ...]) -> Money | None:
    total: Money | None = None
    for t in node.get("transactions") or ():
        if not isinstance(t, Mapping) or t.get("kind") not in kinds or t.get("status") != "SUCCESS":
            continue
        amount = _money(t.get("amountSet"), "amountSet")
        if amount is None or (total is not None and total.currency != amount.currency):
            continue
        total = amount if total is None else Money(total.amount + amount.amount, total.currency)
    return total


def _taxes(lines: Any, field: str) -> Money | None:
    total: Money | None = None
    for tax in lines or ():
        amount = _money((tax or {}).get("priceSet"), field) if isinstance(tax, Mapping) else None
        if amount is not None:
            total = amount if total is None else Money(total.amount + amount.amount, total.currency)
    return total


def map_order_money(node: Mapping[str, Any], authorization_days: int) -> OrderMoney:
    """One order node of ``OrderTransactions`` as the common model; an unreadable part is left
    out (its line then has no known tax, and a capture takes all that is capturable)."""
    order_id = str(node.get("id") or "")
    line_taxes: list[LineTax] = []
    for line in ((node.get("lineItems") or {}).get("nodes")) or ():
        try:
            tax = _taxes(line.get("taxLines"), "taxLines")
            currency = tax.currency if tax else "USD"
            line_taxes.append(
                LineTax(str(line["id"]), tax or Money(Decimal(0), currency), int(line["quantity"]))
            )
        except (PayloadError, KeyError, TypeError, ValueError, AttributeError):
            continue
    shipping: Money | None = None
    try:
        ship = node.get("shippingLine")
        if isinstance(ship, Mapping):
            price = _money(ship.get("discountedPriceSet"), "shippingLine")
            tax = _taxes(ship.get("taxLines"), "shippingLine.taxLines")
            if price is not None and not node.get("taxesIncluded") and tax is not None:
                price = Money(price.amount + tax.amount, price.currency)
            shipping = price
        received = _sum(node, ("CAPTURE", "SALE"))
        refunded = _sum(node, ("REFUND",))
    except PayloadError:
        received = refunded = None
    return OrderMoney(
        order_id=order_id,
        authorizations=tuple(map_authorizations(node, authorization_days)),
        received=received,
        refunded=refunded,
        financial_status=str(node.get("displayFinancialStatus") or ""),
        taxes_included=bool(node.get("taxesIncluded")),
        line_taxes=tuple(line_taxes),
        shipping=shipping,
    )


class ShopifyPayments:
    """The payment calls of one shop, over the shop's one GraphQL client."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client

    def order_money(
        self, order_ids: Iterable[str], authorization_days: int = 7
    ) -> dict[str, OrderMoney]:
        """Order id -> its money; ``authorization_days`` dates the authorizations Shopify leaves
        undated (no Plus)."""
        ids = list(dict.fromkeys(order_ids))
        found: dict[str, OrderMoney] = {}
        for start in range(0, len(ids), READ_BATCH):
            batch = ids[start : start + READ_BATCH]
            data = self.client.run(
                "OrderTransactions", {"ids": batch}, key=f"OrderTransactions:{len(batch)}"
            )
            for node in data.get("nodes") or ():
                if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                    found[node["id"]] = map_order_money(node, authorization_days)
        return found

    def authorizations(
        self, order_ids: Iterable[str], authorization_days: int = 7
    ) -> dict[str, list[Authorization]]:
        """Order id -> its authorizations (:meth:`order_money`, the same one read)."""
        money = self.order_money(order_ids, authorization_days)
        return {order_id: list(m.authorizations) for order_id, m in money.items()}

    def capture(
        self, order_id: str, transaction_id: str, amount: Money, *, final: bool
    ) -> MoneyResult:
        """Capture ``amount`` of an authorization, sent once (see the module's note)."""
        variables = {
            "input": {
                "id": order_id,
                "parentTransactionId": transaction_id,
                "amount": f"{amount.amount:.2f}",
                "currency": amount.currency,
                "finalCapture": final,
            }
        }
        data = self._once(lambda: self.client.run("OrderCapture", variables))
        if isinstance(data, MoneyResult):
            return data
        payload = data.get("orderCapture") or {}
        errors: Sequence[Mapping[str, Any]] = payload.get("userErrors") or ()
        if errors:
            return MoneyResult(MoneyOutcome.FAILED, str(errors[0].get("message")))
        transaction = payload.get("transaction") or {}
        return MoneyResult(MoneyOutcome.DONE, "", str(transaction.get("id") or ""))

    def send_invoice(self, order_id: str) -> MoneyResult:
        """Ask the customer to pay: for an order with payment terms, Shopify's payment reminder
        of its unpaid schedule (``paymentReminderSend``; the result's message says so); else
        Shopify's invoice, a link to pay what is outstanding (``orderInvoiceSend``)."""
        schedule = self._unpaid_schedule(order_id)
        if schedule is not None:
            return self._remind(schedule)
        data = self._once(lambda: self.client.run("OrderInvoiceSend", {"id": order_id}))
        if isinstance(data, MoneyResult):
            return data
        errors = (data.get("orderInvoiceSend") or {}).get("userErrors") or ()
        if errors:
            return MoneyResult(MoneyOutcome.FAILED, str(errors[0].get("message")))
        return MoneyResult(MoneyOutcome.DONE)

    def _unpaid_schedule(self, order_id: str) -> str | None:
        """The order's first unpaid payment schedule, None when it has no terms (or the app may
        not read them: without ``read_payment_terms`` the invoice still asks for payment). A read
        that fails after its retries also gives None: the send is already claimed in the ledger
        and is never tried again, so the customer is asked by invoice rather than not at all."""
        try:
            data = self.client.run("OrderPaymentSchedules", {"id": order_id})
        except (PermissionDenied, RetryableError, requests.RequestException):
            return None
        terms = (data.get("order") or {}).get("paymentTerms") or {}
        for schedule in (terms.get("paymentSchedules") or {}).get("nodes") or ():
            if (
                isinstance(schedule, Mapping)
                and schedule.get("id")
                and not schedule.get("completedAt")
            ):
                return str(schedule["id"])
        return None

    def _remind(self, schedule_id: str) -> MoneyResult:
        data = self._once(lambda: self.client.run("PaymentReminderSend", {"id": schedule_id}))
        if isinstance(data, MoneyResult):
            return data
        payload = data.get("paymentReminderSend") or {}
        errors = payload.get("userErrors") or ()
        if errors or not payload.get("success"):
            message = str(errors[0].get("message")) if errors else "not sent"
            return MoneyResult(MoneyOutcome.FAILED, f"{REMINDER}: {message}")
        return MoneyResult(MoneyOutcome.DONE, REMINDER, schedule_id)

    def _once(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any] | MoneyResult:
        # One attempt: a retry after a lost answer could take the money twice.
        saved = self.client.policy
        self.client.policy = dataclasses.replace(saved, max_attempts=1)
        try:
            return call()
        except (RetryableError, requests.RequestException) as error:
            return MoneyResult(MoneyOutcome.UNKNOWN, f"{type(error).__name__}: {error}"[:300])
        finally:
            self.client.policy = saved
