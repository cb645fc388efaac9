"""One order's money as support reads it (``connector order N``, ``--json``, the console's order
page): authorizations with their expiry, what was captured, what is still capturable, refunds,
and what the watchdog will do about it and when, by the shop's ``[payments]``.

Shopify: from the last money step's read of the order (``money_orders``, ``money_authorizations``,
saved by :func:`connector.payments_snapshot.save_order_money`) and its verdict (``money_watch`` and the ledger). WooCommerce
has no authorization to read (docs/payments-woocommerce.md): the order's state in the shop says
whether it was paid, waits unpaid in ``pending``, or is paid on release by its payment link.
Refunds come from the synced order lines on both platforms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from connector.model import BackorderEntry, Money, Order, OrderStatus, Platform
from connector.payments_snapshot import read_order_money
from connector.payments_view import money_line
from connector.payments_watch import WatchRow, watch_rows
from connector.settings import PaymentSettings, Settings

__all__ = ["OrderMoneyView", "order_money_view"]


@dataclass(frozen=True, slots=True)
class AuthorizationView:
    """One card authorization of the order and what the watchdog does about it."""

    transaction_id: str
    amount: Money
    captured: Money
    capturable: Money
    created_at: datetime
    expires_at: datetime | None
    multi_capturable: bool
    watchdog: str
    """What the watchdog will do and when (or did), in words."""
    act_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "amount": f"{self.amount.amount:.2f}",
            "captured": f"{self.captured.amount:.2f}",
            "capturable": f"{self.capturable.amount:.2f}",
            "currency": self.amount.currency,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "multi_capturable": self.multi_capturable,
            "act_at": self.act_at.isoformat() if self.act_at else None,
            "watchdog": self.watchdog,
        }


@dataclass(frozen=True, slots=True)
class OrderMoneyView:
    """An order's money for support: numbers for ``--json``, sentences for people."""

    platform: str
    policy: str
    """The shop's ``on_authorization_expiry`` (Shopify) or "" (WooCommerce)."""
    state: str
    """One sentence: where the order's money stands."""
    read_at: datetime | None = None
    financial_status: str = ""
    received: Money | None = None
    refunded: Money | None = None
    shipping: Money | None = None
    waiting_value: Money | None = None
    authorizations: tuple[AuthorizationView, ...] = ()
    refunds: tuple[tuple[str, Money], ...] = ()
    """Per line (``SKU (title)``): what the shop refunded for it."""
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "policy": self.policy,
            "state": self.state,
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "financial_status": self.financial_status,
            "received": _cents(self.received),
            "refunded": _cents(self.refunded),
            "shipping": _cents(self.shipping),
            "waiting_value": _cents(self.waiting_value),
            "authorizations": [a.as_dict() for a in self.authorizations],
            "refunds": [
                {"line": name, "amount": f"{m.amount:.2f}", "currency": m.currency}
                for name, m in self.refunds
            ],
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """What ``connector order N`` prints under "Money"."""
        out = [self.state]
        if self.read_at is not None:
            taken = (
                f"{_amount(self.received)} captured or paid" if self.received else "nothing taken"
            )
            out.append(
                f"read {_minute(self.read_at)}: {self.financial_status or 'status unknown'}, {taken}"
                + (f", {_amount(self.refunded)} refunded" if self.refunded else "")
            )
        for auth in self.authorizations:
            expiry = f"expires {_minute(auth.expires_at)}" if auth.expires_at else "no expiry known"
            out.append(
                f"card authorization {_amount(auth.amount)} on {_minute(auth.created_at)}, "
                f"{expiry}; captured {_amount(auth.captured)}, capturable "
                f"{_amount(auth.capturable)}"
                + ("" if auth.multi_capturable else " (one capture releases the rest)")
            )
            out.append(f"  watchdog: {auth.watchdog}")
        if self.waiting_value is not None and self.authorizations:
            out.append(
                f"the waiting lines come to {_amount(self.waiting_value)} with their tax"
                + (
                    f" and the shipping ({_amount(self.shipping)}, nothing taken yet)"
                    if self.shipping and not self.received
                    else ""
                )
            )
        out += [f"refunded {_amount(m)} for {name}" for name, m in self.refunds]
        out += list(self.notes)
        return out


def _cents(money: Money | None) -> str | None:
    return f"{money.amount:.2f}" if money is not None else None


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _amount(money: Money | None) -> str:
    return f"{money.amount:,.2f} {money.currency}" if money is not None else "-"


def _money(text: str, currency: str) -> Money | None:
    return Money(Decimal(text), currency) if text else None


_AT_ACT = {
    "capture": "captures the waiting lines' amount",
    "ask_customer": "asks the customer to pay (Shopify's payment reminder for orders with "
    "payment terms, else its invoice)",
    "notify_owner": "warns you (digest, connector status); no money moves",
}


def _watchdog(
    row: WatchRow | None,
    auth: Mapping[str, Any],
    payments: PaymentSettings,
    eta: date | None,
    waiting: bool,
) -> tuple[str, datetime | None]:
    expires: datetime | None = auth["expires_at"]
    act_at = expires - timedelta(days=payments.capture_margin_days) if expires else None
    if row is not None and row.done == "done" and (row.done_kind or row.action) == "capture":
        taken = Money(Decimal(auth["captured"]), auth["currency"])
        said = f"captured {_amount(taken)} before the expiry; the customer was told"
        if row.stage == "expired":
            said += "; the rest of the authorization ran out uncaptured"
        return said, act_at
    if row is not None:
        said = money_line(row).split("; ")[-1]
        if row.action == "wait":
            said = f"on {_minute(row.act_at)} it {_AT_ACT[payments.on_authorization_expiry]}"
        return said, row.act_at
    if Decimal(auth["capturable"]) <= 0:
        return "nothing left to capture on it", act_at
    if not waiting:
        return "no line waits: the shop's usual capture at fulfilment takes it", act_at
    if act_at is None:
        return "no expiry known: nothing to act on", None
    return (
        f"not at risk: the goods are expected {eta.isoformat() if eta else '-'}, before it "
        f"would act on {_minute(act_at)}; the shop's usual capture at fulfilment comes in time",
        act_at,
    )


def order_money_view(
    engine: sa.Engine,
    settings: Settings,
    shop: str,
    *,
    order: Order,
    queue: Sequence[BackorderEntry],
    line_name: Mapping[str, str],
    emails: Sequence[Any] = (),
    store: Any = None,
    now: datetime | None = None,
) -> OrderMoneyView:
    """The money of ``order`` (``queue``: its entries; ``line_name``: line id -> ``SKU (title)``;
    ``emails``: its outbox entries; ``store`` and ``now``: for a WooCommerce order paid on
    release, where it stands, as ``connector backorders`` says it)."""
    refunds = tuple(
        (line_name.get(line.platform_id, line.sku), line.refunded)
        for line in order.lines
        if line.refunded is not None and line.refunded.amount > 0
    )
    try:
        platform = settings.shop(shop).platform
    except KeyError:
        platform = Platform.SHOPIFY
    if platform is Platform.WOOCOMMERCE:
        release = ""
        if store is not None and now is not None and order.status is OrderStatus.PENDING:
            from connector.pay_on_release import owner_lines

            head = f"order {order.number} "
            ours = [
                line for line in owner_lines(store, settings, shop, now) if line.startswith(head)
            ]
            release = (
                ours[0].split("  pay on release, pending in the shop: ", 1)[-1] if ours else ""
            )
        return _woocommerce(order, refunds, emails, release)
    payments = settings.payments_for(shop)
    waiting = [e for e in queue if e.waiting > 0]
    etas = [e.eta for e in waiting]
    eta = None if not etas or any(d is None for d in etas) else max(d for d in etas if d)
    try:
        read, auths = read_order_money(engine, shop, order.platform_id)
    except sa.exc.DBAPIError:  # a database not migrated to 406 yet (a read-only command)
        read, auths = None, []
    policy = payments.on_authorization_expiry
    if read is None:
        state = (
            f"not read yet: the watchdog reads waiting orders' card authorizations every "
            f"{payments.check_every_minutes} minutes (on_authorization_expiry = {policy})"
            if waiting
            else "no line waits: the watchdog does not read this order's money"
        )
        return OrderMoneyView("shopify", policy, state, refunds=refunds)
    rows = {
        r.transaction_id: r for r in watch_rows(engine, shop) if r.order_id == order.platform_id
    }
    currency = read["currency"]
    views = []
    for auth in auths:
        said, act_at = _watchdog(
            rows.get(auth["transaction_id"]), auth, payments, eta, bool(waiting)
        )
        cur = auth["currency"]
        views.append(
            AuthorizationView(
                transaction_id=auth["transaction_id"],
                amount=Money(Decimal(auth["amount"]), cur),
                captured=Money(Decimal(auth["captured"]), cur),
                capturable=Money(Decimal(auth["capturable"]), cur),
                created_at=auth["created_at"],
                expires_at=auth["expires_at"],
                multi_capturable=bool(auth["multi_capturable"]),
                watchdog=said,
                act_at=act_at,
            )
        )
    state = (
        f"Shopify, on_authorization_expiry = {policy} (margin {payments.capture_margin_days} "
        f"day(s))"
        if views
        else "Shopify: no card authorization to watch (paid at checkout, or another way)"
    )
    return OrderMoneyView(
        platform="shopify",
        policy=policy,
        state=state,
        read_at=read["read_at"],
        financial_status=read["financial_status"],
        received=_money(read["received"], currency),
        refunded=_money(read["refunded"], currency),
        shipping=_money(read["shipping"], currency),
        waiting_value=_money(read["waiting_value"], currency),
        authorizations=tuple(views),
        refunds=refunds,
    )


def _woocommerce(
    order: Order,
    refunds: tuple[tuple[str, Money], ...],
    emails: Sequence[Any],
    release: str,
) -> OrderMoneyView:
    links = [e for e in emails if getattr(e, "kind", "") == "payment_due"]
    notes: list[str] = []
    if order.status is OrderStatus.PENDING:
        state = "WooCommerce: pending, not paid (no money taken, no stock held)"
        if links:
            sent = links[-1]
            when = getattr(sent, "sent_at", None) or getattr(sent, "created_at", None)
            notes.append(
                f"payment link emailed ({getattr(sent, 'status', '')}"
                + (f", {_minute(when)}" if isinstance(when, datetime) else "")
                + "): pay on release, waiting for the customer to pay"
            )
        elif release:
            notes.append(f"pay on release: {release}")
    elif order.status is OrderStatus.CANCELLED:
        state = "WooCommerce: cancelled"
    elif any(line.preorder for line in order.lines):
        state = (
            "WooCommerce: pre-ordered; paid at checkout, or charged at release when the "
            "Pre-Orders extension says so (docs/payments-woocommerce.md)"
        )
    else:
        state = "WooCommerce: paid at checkout (no card authorization to watch)"
    return OrderMoneyView("woocommerce", "", state, refunds=refunds, notes=tuple(notes))
