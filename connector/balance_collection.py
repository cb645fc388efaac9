"""A deferred pre-order's balance is collected before its line ships (Shopify, issue 15).

::

    plan.order_actions ─▶ RELEASE_HOLD of an order with selling-plan lines
        ─▶ adapter.selling_plans.balances (outstanding, mandate)
        ─▶ nothing owed: released
        ─▶ owed: ledger intent ─▶ orderCreateMandatePayment(idempotencyKey) ─▶ ledger outcome
              SUCCEEDED ─▶ released, the customer told what was charged (balance_charged)
              FAILED    ─▶ held; the customer told once what is still due (balance_failed) and
                           sent Shopify's invoice (a link to pay with another card); the owner
                           sees it in ``connector status``, ``connector order`` and the digest
              no answer ─▶ held this cycle; the next one reads the balance first

Never twice: the ledger row (``money_operations``, kind ``balance``) is committed as ``intent``
before the call, with what was outstanding then. A row left at ``intent`` or ``unknown`` (a
process killed mid-call, a lost answer) is settled from the order first: less outstanding than
before -> the payment ran (``done``, told, released), and nothing is sent. Otherwise the same
idempotency key goes again, which Shopify answers with the first result rather than a second
charge. A ``failed`` collection is never sent again; paying the invoice clears the balance, and
the line is released on the next cycle.

Why the invoice and not the order status page: ``orderInvoiceSend`` mails Shopify's own payment
link for what is outstanding, where the customer can pay with a new card; the status page
shows the order but is not a documented way to pay a deferred balance.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from connector.engine.notifications import to_customer
from connector.logs import redact
from connector.model import (
    Money,
    NotificationKind,
    NotificationLine,
    Order,
    OrderAction,
    OrderActionKind,
    WriteResult,
    WriteStatus,
)
from connector.payments_model import MoneyOutcome
from connector.payments_tables import money_operations
from connector.plans_model import Balance
from connector.selling_plans import SellingPlansAdapter, deferred_policies

if TYPE_CHECKING:
    from connector.cycle import CycleDeps

__all__ = ["KIND", "balance_key", "gate_releases"]

log = logging.getLogger(__name__)

KIND = "balance"
INVOICE = "balance_invoice"
PENDING = ("intent", "unknown")


def balance_key(order_id: str) -> str:
    """The ledger key of an order's balance collection (one per order)."""
    return f"balance|{order_id}"


def _platform_key(shop: str, key: str) -> str:
    # Shopify's idempotencyKey: stable for the shop and operation, short, no ids in the clear.
    return "bc-" + hashlib.sha256(f"{shop}|{key}".encode()).hexdigest()[:40]


def gate_releases(
    deps: CycleDeps, actions: Sequence[OrderAction]
) -> tuple[list[OrderAction], list[WriteResult]]:
    """The actions to send now, and a held result for each release that waits for its balance.

    Only orders with a line bought under a selling plan are read, and only when the shop has a
    deferred pre-order policy: every other cycle sends no request here."""
    plans = getattr(deps.adapter, "selling_plans", None)
    releases = [a for a in actions if a.kind is OrderActionKind.RELEASE_HOLD]
    if (
        not releases
        or not isinstance(plans, SellingPlansAdapter)
        or not deferred_policies(deps.settings, deps.shop)
    ):
        return list(actions), []
    orders = {a.order_id: deps.store.order(deps.shop, a.order_id) for a in releases}
    deferred = {
        order_id
        for order_id, order in orders.items()
        if order is not None and any(line.selling_plan for line in order.lines)
    }
    if not deferred:
        return list(actions), []
    try:
        balances = plans.balances(sorted(deferred))
    except Exception as error:  # unread: nothing is released on a guess
        message = redact(f"{type(error).__name__}: {error}")[:300]
        balances = {}
        log.warning("balances of %s could not be read: %s", deps.shop, message)
    send: list[OrderAction] = []
    held: list[WriteResult] = []
    for action in actions:
        if action.kind is not OrderActionKind.RELEASE_HOLD or action.order_id not in deferred:
            send.append(action)
            continue
        order = orders[action.order_id]
        reason = _collect(deps, plans, order, balances.get(action.order_id))
        if reason:
            held.append(WriteResult(action.key, WriteStatus.FAILED, reason, retryable=True))
        else:
            send.append(action)
    return send, held


def _collect(
    deps: CycleDeps, plans: SellingPlansAdapter, order: Order | None, balance: Balance | None
) -> str:
    """"" when the line may be released now, else why it stays on hold."""
    if order is None or balance is None:
        return "held: the order's balance could not be read"
    key = balance_key(order.platform_id)
    row = _row(deps.engine, deps.shop, key)
    owed = balance.outstanding
    if row is not None and row["state"] in PENDING:
        before = Decimal(row["captured_before"])
        if owed.amount < before:  # it ran before a restart or a lost answer: never sent again
            _record(deps, key, "done", "settled from the order's balance")
            _tell(deps, order, NotificationKind.BALANCE_CHARGED, before - owed.amount, owed)
            log.info("balance %s had been collected: recorded, not sent again", key)
            return "" if owed.amount <= 0 else "held: part of the balance is still due"
    if owed.amount <= 0:
        return ""  # paid: in full at checkout, by the invoice, or by us earlier
    if row is not None and row["state"] == "failed":
        return f"held: the balance of {owed.amount:f} {owed.currency} could not be collected"
    if row is not None and row["state"] == "done":
        return "held: a balance is due again after it was collected; the owner decides"
    if not balance.mandate_id:
        return "held: a balance is due and the order has no card to charge"
    _claim(deps, key, order.platform_id, balance)
    result = plans.collect(order.platform_id, balance.mandate_id, _platform_key(deps.shop, key))
    if result.outcome is MoneyOutcome.DONE:
        _record(deps, key, "done", result.transaction_id)
        _tell(deps, order, NotificationKind.BALANCE_CHARGED, owed.amount, owed)
        return ""
    if result.outcome is MoneyOutcome.FAILED:
        _record(deps, key, "failed", result.message)
        _tell(deps, order, NotificationKind.BALANCE_FAILED, Decimal(0), owed, balance=balance)
        _invoice(deps, plans, order)
        log.warning("balance of order %s refused: %s", order.number, result.message)
        return f"held: the balance could not be collected ({result.message})"
    _record(deps, key, "unknown", result.message)
    return "held: the balance payment is not confirmed yet"


def _invoice(deps: CycleDeps, plans: SellingPlansAdapter, order: Order) -> None:
    """Shopify's invoice (a link to pay what is outstanding), sent once per order."""
    payments = getattr(deps.adapter, "payments", None)
    send = getattr(payments, "send_invoice", None)
    if send is None:
        return
    key = f"{INVOICE}|{order.platform_id}"
    if _row(deps.engine, deps.shop, key) is not None:
        return  # sent, or its answer was lost: a second mail would only repeat the first
    now = deps.clock()
    with deps.engine.begin() as conn:
        conn.execute(
            money_operations.insert().values(
                shop=deps.shop,
                key=key,
                kind=INVOICE,
                order_id=order.platform_id,
                transaction_id="",
                amount="0",
                currency="",
                state="intent",
                attempts=1,
                created_at=now,
                updated_at=now,
            )
        )
    result = send(order.platform_id)
    _record(deps, key, result.outcome.value, result.message)


def _row(engine: sa.Engine, shop: str, key: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(money_operations)
                .where(money_operations.c.shop == shop)
                .where(money_operations.c.key == key)
            )
            .mappings()
            .first()
        )
    return dict(row) if row is not None else None


def _claim(deps: CycleDeps, key: str, order_id: str, balance: Balance) -> None:
    """The intent, committed before the call, with what was outstanding then."""
    now = deps.clock()
    values = {
        "kind": KIND,
        "order_id": order_id,
        "transaction_id": balance.mandate_id,
        "amount": f"{balance.outstanding.amount}",
        "currency": balance.outstanding.currency,
        "captured_before": f"{balance.outstanding.amount}",
        "state": "intent",
        "updated_at": now,
    }
    with deps.engine.begin() as conn:
        done = conn.execute(
            money_operations.update()
            .where(money_operations.c.shop == deps.shop)
            .where(money_operations.c.key == key)
            .values(**values, attempts=money_operations.c.attempts + 1)
        ).rowcount
        if not done:
            conn.execute(
                money_operations.insert().values(
                    shop=deps.shop, key=key, attempts=1, created_at=now, **values
                )
            )


def _record(deps: CycleDeps, key: str, state: str, message: str) -> None:
    with deps.engine.begin() as conn:
        conn.execute(
            money_operations.update()
            .where(money_operations.c.shop == deps.shop)
            .where(money_operations.c.key == key)
            .values(state=state, message=redact(message)[:1000], updated_at=deps.clock())
        )


def _tell(
    deps: CycleDeps,
    order: Order,
    kind: NotificationKind,
    charged: Decimal,
    owed: Money,
    *,
    balance: Balance | None = None,
) -> None:
    """One mail per order and kind (the outbox's key): what was charged and what is still due."""
    if not order.customer.email:
        return
    lines = tuple(
        NotificationLine(
            line_id=line.platform_id,
            sku=line.sku,
            title=line.title,
            quantity=line.quantity,
            price=line.price,
        )
        for line in order.lines
    )
    due = Money(max(Decimal(0), owed.amount - charged), owed.currency)
    paid = Money(charged, owed.currency)
    if kind is NotificationKind.BALANCE_FAILED and balance is not None:
        paid = balance.received  # what the customer paid so far: the deposit
    notification = to_customer(
        deps.shop,
        kind,
        order,
        lines,
        deps.clock(),
        amount=paid,
        amount_due=due,
    )
    deps.outbox.enqueue([notification], deps.settings.shop(deps.shop))
