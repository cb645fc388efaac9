"""The money step of a cycle: read waiting orders' authorizations, act before they run out.

::

    plan.queue ─▶ waiting orders ─▶ adapter.payments.authorizations ─▶ engine.money.assess
        ─▶ money_watch (backorders, report, status, digest)
        ─▶ per verdict to act on: ledger intent ─▶ capture / invoice ─▶ email ─▶ ledger outcome

No money operation runs twice. Each has a key (``capture|<authorization>``), and its ledger row
is committed as ``intent`` before the call. A row left at ``intent`` or ``unknown`` (a process
killed mid-call, a lost answer) is settled from the platform first: the authorization's
``captured`` grew since the intent -> it ran (``done``, the customer is told); else it may be
sent again. ``failed`` (the platform refused) stays failed and shown until a person acts.

Only adapters with a ``payments`` attribute take part (Shopify); WooCommerce has its own
story (``docs/payments-woocommerce.md``). A failure here is logged and never fails the cycle:
the stock, holds and emails the cycle did stand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import sqlalchemy as sa

from connector.engine.money import ExpiryPolicy, Verdict, assess
from connector.engine.notifications import to_customer
from connector.logs import redact
from connector.model import (
    Money,
    NotificationKind,
    NotificationLine,
    Order,
    OrderStatus,
    Plan,
)
from connector.payments_model import Authorization, MoneyOutcome, MoneyResult, OrderMoney
from connector.payments_snapshot import save_order_money
from connector.payments_tables import money_checks, money_operations
from connector.payments_waiting import waiting_money
from connector.payments_watch import save_watch

if TYPE_CHECKING:
    from connector.cycle import CycleDeps

__all__ = [
    "MoneyStep",
    "PaymentsAdapter",
    "run_money_step",
    "waiting_money",
]

log = logging.getLogger(__name__)

PENDING = ("intent", "unknown")


@runtime_checkable
class PaymentsAdapter(Protocol):
    """What a platform's ``adapter.payments`` offers (Shopify: ``adapters.shopify.payments``)."""

    def order_money(
        self, order_ids: Iterable[str], authorization_days: int = 7
    ) -> dict[str, OrderMoney]: ...

    def capture(
        self, order_id: str, transaction_id: str, amount: Money, *, final: bool
    ) -> MoneyResult: ...

    def send_invoice(self, order_id: str) -> MoneyResult: ...


@dataclass
class MoneyStep:
    """What one money step did (logged; the tables keep the rest)."""

    verdicts: list[Verdict] = field(default_factory=list)
    captured: int = 0
    invoiced: int = 0
    failed: int = 0
    unknown: int = 0
    settled: int = 0
    """Pending operations found to have run already (and not sent again)."""
    error: str = ""


def run_money_step(
    deps: CycleDeps, plan: Plan, still_held: Callable[[], bool] = lambda: True
) -> MoneyStep:
    """The money step for ``deps.shop`` after the cycle applied ``plan``. Never raises."""
    step = MoneyStep()
    payments = getattr(deps.adapter, "payments", None)
    if not isinstance(payments, PaymentsAdapter):
        return step  # a platform without card authorizations to watch (WooCommerce)
    try:
        _run(deps, plan, payments, step, still_held)
    except Exception as error:  # the cycle's own work stands; the next cycle tries again
        step.error = redact(f"{type(error).__name__}: {error}")[:500]
        log.warning("money step for %s failed: %s", deps.shop, step.error)
    return step


def _run(
    deps: CycleDeps,
    plan: Plan,
    payments: PaymentsAdapter,
    step: MoneyStep,
    still_held: Callable[[], bool],
) -> None:
    settings = deps.settings.payments_for(deps.shop)
    shop, engine, now = deps.shop, deps.engine, deps.clock()
    # Cheap checks first: most cycles of a shop end here (nothing pending, read within the hour).
    pending = _pending(engine, shop)
    if not pending and not _due(engine, shop, now, settings.check_every_minutes):
        return
    queued = {e.order_id for e in plan.queue}
    orders = {
        order.platform_id: order
        for order in deps.store.orders(shop, statuses=[OrderStatus.OPEN])
        if order.platform_id in queued
    }
    ids = [*orders, *(row["order_id"] for row in pending)]
    money = payments.order_money(ids, settings.authorization_days) if ids else {}
    auths = {order_id: list(read.authorizations) for order_id, read in money.items()}
    step.settled = _settle(deps, pending, auths, orders)
    waiting = waiting_money(plan.queue, orders, money)
    save_order_money(engine, shop, money, {w.order_id: w.value for w in waiting}, now)
    step.verdicts = assess(
        waiting,
        auths,
        policy=ExpiryPolicy(settings.on_authorization_expiry),
        margin=timedelta(days=settings.capture_margin_days),
        now=now,
    )
    save_watch(engine, shop, step.verdicts, orders, now)
    acted = []
    for verdict in step.verdicts:
        if verdict.action not in ("capture", "invoice") or not still_held():
            continue
        if _act(deps, payments, verdict, orders.get(verdict.order_id), step):
            acted.append(verdict.order_id)
    if acted:  # `connector order` shows the money after the capture, not the read before it
        again = payments.order_money(acted, settings.authorization_days)
        values = {w.order_id: w.value for w in waiting_money(plan.queue, orders, again)}
        save_order_money(engine, shop, again, values, deps.clock())
    _drop_unneeded(deps, pending, auths, step.verdicts)


def _drop_unneeded(
    deps: CycleDeps,
    pending: list[dict[str, Any]],
    auths: Mapping[str, Sequence[Authorization]],
    verdicts: list[Verdict],
) -> None:
    """A capture that never ran (the read above showed nothing taken) and is no longer wanted
    (its goods shipped, the order was cancelled) is closed, so it is not read every cycle."""
    wanted = {v.key for v in verdicts if v.action == "capture"}
    for row in pending:
        auth = _find(auths, row)
        if auth is None or auth.captured.amount > Decimal(row["captured_before"]):
            continue  # not read, or it did run: never closed on a guess
        state = _state(deps.engine, deps.shop, row["key"])
        if state in PENDING and row["key"] not in wanted:
            _record(
                deps.engine,
                deps.shop,
                row["key"],
                state="dropped",
                message="no longer needed; the transactions show nothing was captured",
                now=deps.clock(),
            )


def _find(
    auths: Mapping[str, Sequence[Authorization]], row: Mapping[str, Any]
) -> Authorization | None:
    found = auths.get(row["order_id"], ())
    return next((a for a in found if a.transaction_id == row["transaction_id"]), None)


def _state(engine: sa.Engine, shop: str, key: str) -> str | None:
    with engine.connect() as conn:
        state: str | None = conn.execute(
            sa.select(money_operations.c.state)
            .where(money_operations.c.shop == shop)
            .where(money_operations.c.key == key)
        ).scalar_one_or_none()
        return state


def _due(engine: sa.Engine, shop: str, now: datetime, every_minutes: int) -> bool:
    """True (and the time noted) when the shop's authorizations are due to be read again."""
    with engine.connect() as conn:  # a read: most cycles stop here without a write lock
        last = conn.execute(
            sa.select(money_checks.c.checked_at).where(money_checks.c.shop == shop)
        ).scalar_one_or_none()
    # A clock set back (last in the future) reads again rather than waiting for it.
    if last is not None and timedelta(0) <= now - last < timedelta(minutes=every_minutes):
        return False
    with engine.begin() as conn:
        if last is None:
            conn.execute(money_checks.insert().values(shop=shop, checked_at=now))
        else:
            conn.execute(
                money_checks.update().where(money_checks.c.shop == shop).values(checked_at=now)
            )
    return True


def _pending(engine: sa.Engine, shop: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(money_operations)
            .where(money_operations.c.shop == shop)
            .where(money_operations.c.state.in_(PENDING))
            # An invoice whose answer was lost is never sent again: nothing to settle.
            .where(money_operations.c.kind == "capture")
        ).mappings()
        return [dict(row) for row in rows]


def _settle(
    deps: CycleDeps,
    pending: list[dict[str, Any]],
    auths: Mapping[str, Sequence[Authorization]],
    orders: Mapping[str, Order],
) -> int:
    """Pending captures that ran (their authorization's ``captured`` grew) become ``done``."""
    settled = 0
    for row in pending:
        if row["kind"] != "capture":
            continue
        auth = _find(auths, row)
        if auth is None or auth.captured.amount <= Decimal(row["captured_before"]):
            continue  # it did not run: the verdict below may send it (the same key, once)
        order = orders.get(row["order_id"]) or deps.store.order(deps.shop, row["order_id"])
        amount = auth.captured.amount - Decimal(row["captured_before"])
        _tell_customer(deps, order, Money(amount, auth.captured.currency))
        _record(
            deps.engine,
            deps.shop,
            row["key"],
            state="done",
            message="settled from the platform",
            now=deps.clock(),
        )
        log.info("capture %s had run before a restart: recorded, not sent again", row["key"])
        settled += 1
    return settled


def _act(
    deps: CycleDeps,
    payments: PaymentsAdapter,
    verdict: Verdict,
    order: Order | None,
    step: MoneyStep,
) -> bool:
    """Send one operation (once); True when it was done."""
    shop, now = deps.shop, deps.clock()
    kind = verdict.action
    key = verdict.key
    if not _claim(deps.engine, shop, verdict, now):
        return False  # done, failed, or already sent and not yet settled: never a second call
    auth = verdict.authorization
    if kind == "capture":
        result = payments.capture(
            verdict.order_id, auth.transaction_id, verdict.amount, final=False
        )
    else:
        result = payments.send_invoice(verdict.order_id)
    if result.outcome is MoneyOutcome.DONE:
        if kind == "capture":
            _tell_customer(deps, order, verdict.amount)
            step.captured += 1
        else:
            step.invoiced += 1
        # A payment reminder says so in its message (``connector order``, ``backorders``).
        said = result.message or result.transaction_id
        _record(deps.engine, shop, key, state="done", message=said, now=deps.clock())
        return True
    elif result.outcome is MoneyOutcome.FAILED:
        step.failed += 1
        _record(deps.engine, shop, key, state="failed", message=result.message, now=deps.clock())
        log.warning("%s for order %s refused: %s", kind, verdict.order_id, result.message)
    else:
        step.unknown += 1
        _record(deps.engine, shop, key, state="unknown", message=result.message, now=deps.clock())
    return False


def _claim(engine: sa.Engine, shop: str, verdict: Verdict, now: datetime) -> bool:
    """Record the intent before the call; False when this operation must not be sent now."""
    auth, key, kind = verdict.authorization, verdict.key, verdict.action
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(money_operations.c.state, money_operations.c.captured_before)
            .where(money_operations.c.shop == shop)
            .where(money_operations.c.key == key)
        ).first()
        if row is None:
            conn.execute(
                money_operations.insert().values(
                    shop=shop,
                    key=key,
                    kind=kind,
                    order_id=verdict.order_id,
                    transaction_id=auth.transaction_id,
                    amount=f"{verdict.amount.amount}",
                    currency=verdict.amount.currency,
                    captured_before=f"{auth.captured.amount}",
                    state="intent",
                    attempts=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            return True
        if row.state not in PENDING:
            return False
        # Pending and not settled above: for a capture the re-read shows it never ran, so it
        # may go again; an invoice with a lost answer is not re-sent (a second mail is harmless
        # money-wise, but the customer would get two).
        if kind != "capture" or auth.captured.amount > Decimal(row.captured_before):
            return False
        conn.execute(
            money_operations.update()
            .where(money_operations.c.shop == shop)
            .where(money_operations.c.key == key)
            .values(
                state="intent",
                amount=f"{verdict.amount.amount}",
                attempts=money_operations.c.attempts + 1,
                updated_at=now,
            )
        )
        return True


def _record(
    engine: sa.Engine, shop: str, key: str, *, state: str, message: str, now: datetime
) -> None:
    with engine.begin() as conn:
        conn.execute(
            money_operations.update()
            .where(money_operations.c.shop == shop)
            .where(money_operations.c.key == key)
            .values(state=state, message=redact(message)[:1000], updated_at=now)
        )


def _tell_customer(deps: CycleDeps, order: Order | None, amount: Money) -> None:
    """One email per order and capture: the outbox's key makes a repeat a no-op."""
    if order is None or not order.customer.email:
        return
    # Every line of the order, the ones not waiting marked ``ships_now``: the outbox's key is
    # made of the line ids, so naming them all keeps it one key per order, told once.
    waiting = {e.line_id: e for e in deps.store.queue(deps.shop) if e.order_id == order.platform_id}
    lines = tuple(
        NotificationLine(
            line_id=line.platform_id,
            sku=line.sku,
            title=line.title,
            quantity=waiting[line.platform_id].waiting
            if line.platform_id in waiting
            else line.quantity,
            eta=waiting[line.platform_id].eta if line.platform_id in waiting else None,
            ships_now=line.platform_id not in waiting,
            price=line.price,
        )
        for line in order.lines
    )
    notification = to_customer(
        deps.shop, NotificationKind.PAYMENT_CAPTURED, order, lines, deps.clock(), amount=amount
    )
    deps.outbox.enqueue([notification], deps.settings.shop(deps.shop))
