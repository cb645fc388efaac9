"""The money of an order bought under a pre-order selling plan, as Shopify's Admin API shows it.

What the sandbox teaches (tests in ``tests/sandbox/shopify/test_selling_plans_sandbox.py``):

- A checkout under a fixed selling plan charges the plan's checkout charge (a percent of the
  line's price; 0 for pay on release) as a ``SALE``, vaults the card as a ``PaymentMandate``
  (``paymentCollectionDetails.vaultedPaymentMethods``) and leaves the rest in
  ``totalOutstandingSet``; ``displayFinancialStatus`` is ``PARTIALLY_PAID`` (``PENDING`` when
  nothing was charged). (shopify.dev/docs/apps/build/purchase-options/deferred)
- ``orderCreateMandatePayment(id, mandateId, idempotencyKey, amount, autoCapture)`` charges the
  vaulted card. Without ``amount`` it collects what is outstanding; ``amount`` is refused unless
  the shop is on Shopify Plus ("The API client must be installed on a Shopify Plus store to use
  the amount field", shopify.dev orderCreateMandatePayment). The same ``idempotencyKey`` returns
  the first answer and never charges again ("Subsequent calls with the same key return the
  original payment result", 2026-10 schema).
- Failures: a declined card gives a ``FAILURE`` transaction and a job result ``FAILED``; an
  expired (revoked) mandate is a userError and nothing is charged. Both leave the balance
  outstanding.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connector.sandbox.shopify.payments import STransaction, order_total, payments_of
from connector.sandbox.shopify.records import SOrder, gid, money_bag, parse_gid
from connector.sandbox.shopify.selling_plans import SPlan, plans_of
from connector.sandbox.shopify.store import ShopData

__all__ = [
    "MANDATE_MUTATIONS",
    "ORDER_MANDATE_FIELDS",
    "Mandate",
    "checkout_under_plans",
    "mandate_of",
    "outstanding",
]

Resolver = Callable[[ShopData, Any, dict[str, Any]], Any]
CENT = Decimal("0.01")


class Mandate:
    """A vaulted card the customer allowed the shop to charge later, and what it will do."""

    def __init__(self, id: int, order_id: int) -> None:
        self.id = id
        self.order_id = order_id
        self.fail: str = ""
        """Injected failure of the next charges: "declined" or "expired" ("" charges)."""
        self.answers: dict[str, dict[str, Any]] = {}
        """idempotencyKey -> the answer its first call got."""
        self.calls = 0
        """Every orderCreateMandatePayment call, replays included."""


def mandate_of(data: ShopData, order: SOrder) -> Mandate | None:
    found: dict[int, Mandate] = getattr(plans_of(data), "mandates", {})
    return found.get(order.id)


def _mandates(data: ShopData) -> dict[int, Mandate]:
    plans = plans_of(data)
    if not hasattr(plans, "mandates"):
        plans.mandates = {}  # type: ignore[attr-defined]
    found: dict[int, Mandate] = plans.mandates  # type: ignore[attr-defined]
    return found


def received(order: SOrder) -> Decimal:
    """What successful sales and captures took from the customer."""
    if order.payments is None:
        return Decimal(0)
    return sum(
        (
            t.amount
            for t in payments_of(order).transactions
            if t.kind in ("SALE", "CAPTURE") and t.status == "SUCCESS"
        ),
        Decimal(0),
    )


def outstanding(data: ShopData, order: SOrder) -> Decimal:
    """``totalOutstandingSet``: the order's total less what was received (never below 0)."""
    return max(Decimal(0), order_total(data, order) - received(order))


def checkout_under_plans(data: ShopData, order: SOrder, plans: dict[int, SPlan]) -> Mandate:
    """The checkout's money for an order whose lines ``plans`` (line id -> plan) were bought
    under a selling plan: the checkout charge now, a mandate for the rest."""
    charge = Decimal(0)
    for line_id in order.line_ids:
        line = data.lines[line_id]
        price = Decimal(line.price) * line.quantity
        plan = plans.get(line_id)
        share = plan.checkout_percent if plan is not None else Decimal(100)
        charge += (price * share / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        if plan is not None:
            plans_of(data).line_plans[line_id] = plan
    if charge > 0:
        sale = STransaction(data.next_id(), order.id, "SALE", charge, order.created_at)
        payments_of(order).transactions.append(sale)
    mandate = Mandate(data.next_id(), order.id)
    _mandates(data)[order.id] = mandate
    order.financial = "PARTIALLY_PAID" if charge > 0 else "PENDING"
    if outstanding(data, order) == 0:
        order.financial = "PAID"
    return mandate


def _vaulted(data: ShopData, order: SOrder, args: dict[str, Any]) -> dict[str, Any]:
    mandate = mandate_of(data, order)
    return {
        "additionalPaymentCollectionUrl": None,
        "vaultedPaymentMethods": (
            [{"__typename": "PaymentMandate", "id": gid("PaymentMandate", mandate.id)}]
            if mandate is not None
            else []
        ),
    }


ORDER_MANDATE_FIELDS: dict[str, Resolver] = {
    "totalOutstandingSet": lambda d, o, a: money_bag(outstanding(d, o)),
    "totalReceivedSet": lambda d, o, a: money_bag(received(o)),
    "paymentCollectionDetails": _vaulted,
    "statusPageUrl": lambda d, o, a: (
        f"https://sandbox-shop.example/{o.id}/orders/{o.id:x}/authenticate?key=sandbox"
    ),
}


def _refused(message: str, field: str = "mandateId") -> dict[str, Any]:
    return {
        "job": None,
        "jobResult": None,
        "paymentReferenceId": None,
        "userErrors": [
            {"field": [field], "message": message, "code": "ORDER_MANDATE_PAYMENT_ERROR_CODE"}
        ],
    }


def create_mandate_payment(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``orderCreateMandatePayment``: charge the vaulted card, once per idempotency key."""
    ref = parse_gid(a["id"], "Order")
    order = data.orders.get(ref[1]) if ref else None
    mandate = mandate_of(data, order) if order is not None else None
    if order is None:
        return _refused("Order does not exist", "id")
    wanted = parse_gid(a["mandateId"], "PaymentMandate")
    if mandate is None or wanted is None or wanted[1] != mandate.id:
        return _refused("Mandate does not exist")
    mandate.calls += 1
    key = str(a["idempotencyKey"])
    if key in mandate.answers:
        return mandate.answers[key]  # the original result; nothing is charged again
    answer = _charge(data, order, mandate, a)
    mandate.answers[key] = answer
    return answer


def _charge(data: ShopData, order: SOrder, mandate: Mandate, a: dict[str, Any]) -> dict[str, Any]:
    if a.get("amount") is not None and not getattr(data, "shopify_plus", False):
        return _refused(
            "The API client must be installed on a Shopify Plus store to use the amount field",
            "amount",
        )
    if mandate.fail == "expired":
        return _refused("The payment mandate has expired or was revoked by the customer")
    due = outstanding(data, order)
    amount = Decimal(str(a["amount"]["amount"])) if a.get("amount") else due
    if amount <= 0 or amount > due:
        return _refused(f"Amount must be more than 0 and at most {due:.2f}", "amount")
    kind = "SALE" if a.get("autoCapture", True) is not False else "AUTHORIZATION"
    payment = STransaction(data.next_id(), order.id, kind, amount, data.clock())
    reference = f"sandbox-mandate-payment-{payment.id}"
    job = {"id": gid("Job", payment.id), "done": True}
    if mandate.fail == "declined":
        payment.status = "FAILURE"
        payments_of(order).transactions.append(payment)
        data.touch_order(order)
        return {
            "job": job,
            "jobResult": _job_result(payment.id, "FAILED", "Your card was declined."),
            "paymentReferenceId": reference,
            "userErrors": [],
        }
    payments_of(order).transactions.append(payment)
    if kind == "SALE":
        order.financial = "PAID" if outstanding(data, order) == 0 else "PARTIALLY_PAID"
    data.touch_order(order)
    return {
        "job": job,
        "jobResult": _job_result(payment.id, "SUCCEEDED", ""),
        "paymentReferenceId": reference,
        "userErrors": [],
    }


def _job_result(number: int, status: str, error: str) -> dict[str, Any]:
    return {
        "__typename": "OrderCreateMandatePaymentJobResult",
        "id": gid("Job", number),
        "done": True,
        "status": status,
        "errors": [{"field": None, "message": error}] if error else [],
    }


MANDATE_MUTATIONS: dict[str, Callable[[ShopData, dict[str, Any]], dict[str, Any]]] = {
    "orderCreateMandatePayment": create_mandate_payment,
}


# ---- what tests and the demo do to a sandbox shop (under ``data.lock``) ------------------------


def place_under_plans(
    data: ShopData, email: str, lines: list[tuple[str, int]], *, name: str = ""
) -> str:
    """A storefront checkout where every line whose variant is in a selling plan group is bought
    under that group's first plan (what a shopper picking "Pre-order" does). The order's GID."""
    with data.lock:
        order = data.place(email, lines, name=name)
        plans = plans_of(data)
        chosen = {
            line_id: plan
            for line_id in order.line_ids
            if (plan := plans.plan_for_variant(data.lines[line_id].variant_id)) is not None
        }
        checkout_under_plans(data, order, chosen)
        data.touch_order(order)
        return gid("Order", order.id)


def fail_mandate(data: ShopData, order_id: str, how: str) -> None:
    """From now on the order's mandate charges fail: ``declined`` or ``expired`` ("" heals it)."""
    with data.lock:
        ref = parse_gid(order_id, "Order")
        order = data.orders[ref[1]] if ref else None
        mandate = mandate_of(data, order) if order is not None else None
        if mandate is None:
            raise ValueError(f"no mandate on {order_id!r}")
        mandate.fail = how


def deferred_money(data: ShopData, order_id: str) -> dict[str, Any]:
    """What the owner sees of such an order's money: sales, failures, outstanding, calls made."""
    with data.lock:
        ref = parse_gid(order_id, "Order")
        order = data.orders[ref[1]] if ref else None
        if order is None:
            raise ValueError(f"no order {order_id!r}")
        mandate = mandate_of(data, order)
        found = payments_of(order).transactions
        return {
            "financial": order.financial,
            "sales": [
                f"{t.amount:.2f}" for t in found if t.kind == "SALE" and t.status == "SUCCESS"
            ],
            "failures": [f"{t.amount:.2f}" for t in found if t.status == "FAILURE"],
            "outstanding": f"{outstanding(data, order):.2f}",
            "mandate_calls": mandate.calls if mandate is not None else 0,
        }
