"""Which card authorizations of waiting orders run out before their goods ship, and what to do.

Pure: a function of (waiting orders, their authorizations, the owner's policy, now). The I/O
around it (reading transactions, capturing, recording) is :mod:`connector.payments`.

An authorization is **at risk** when the order's last waiting line is not expected to ship before
the day we would have to act (its ETA on or after ``expires_at - margin``, or no ETA at all): the
shop's usual capture at fulfilment would then come too late. Each one at risk is in one stage:

- ``watch``: not yet time to act (shown in ``connector backorders``, ``report``, ``status``);
- ``act``: within ``margin`` of the expiry: capture, or ask the customer, by policy;
- ``expired``: it ran out uncaptured; nothing can be captured any more, so the owner is told and,
  under ``ask_customer``, the customer gets the shop's invoice.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from connector.model import Money
from connector.payments_model import Authorization

__all__ = [
    "ExpiryPolicy",
    "Stage",
    "Verdict",
    "WaitingMoney",
    "assess",
    "capture_amount",
]


class ExpiryPolicy(enum.StrEnum):
    CAPTURE = "capture"
    NOTIFY_OWNER = "notify_owner"
    ASK_CUSTOMER = "ask_customer"


class Stage(enum.StrEnum):
    WATCH = "watch"
    ACT = "act"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class WaitingMoney:
    """One order with lines still waiting: what they are worth and when the last should ship."""

    order_id: str
    value: Money | None
    """Price times waiting units over its waiting lines (None: a price or currency is unknown)."""
    eta: date | None
    """The latest ETA of its waiting lines (None: some line has no date)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One authorization at risk, and what the policy makes of it now."""

    order_id: str
    authorization: Authorization
    expires_at: datetime
    act_at: datetime
    eta: date | None
    stage: Stage
    amount: Money
    """What a capture takes: the waiting lines' value, or all that is capturable when a single
    capture would release the rest anyway (or the value is unknown)."""
    action: str
    """What is done at this stage: ``capture``, ``invoice``, ``tell_owner`` or ``wait``."""

    @property
    def key(self) -> str:
        """One money operation per authorization and kind, ever (``capture`` / ``invoice``)."""
        return f"{self.action}|{self.authorization.transaction_id}"


def capture_amount(auth: Authorization, value: Money | None) -> Money:
    """The waiting lines' value, capped at what is capturable.

    A single-capture authorization releases what a capture leaves, so it is captured whole: taking
    only the waiting part would lose the rest of the order's money.
    """
    if value is None or not auth.multi_capturable or value.currency != auth.capturable.currency:
        return auth.capturable
    return Money(min(value.amount, auth.capturable.amount), auth.capturable.currency)


def _action(stage: Stage, policy: ExpiryPolicy) -> str:
    if stage is Stage.WATCH:
        return "wait"
    if policy is ExpiryPolicy.ASK_CUSTOMER:
        return "invoice"
    if stage is Stage.ACT and policy is ExpiryPolicy.CAPTURE:
        return "capture"
    return "tell_owner"


def assess(
    waiting: Sequence[WaitingMoney],
    authorizations: Mapping[str, Sequence[Authorization]],
    *,
    policy: ExpiryPolicy,
    margin: timedelta,
    now: datetime,
) -> list[Verdict]:
    """Every authorization of ``waiting`` orders at risk, soonest expiry first."""
    verdicts: list[Verdict] = []
    for order in waiting:
        for auth in authorizations.get(order.order_id, ()):
            if auth.expires_at is None:
                continue  # no date from the platform and none configured: nothing to act on
            act_at = auth.expires_at - margin
            if order.eta is not None and order.eta < act_at.date():
                continue  # ships before we would act: the shop's usual capture comes in time
            if now >= auth.expires_at:
                released = not auth.multi_capturable and auth.captured.amount > 0
                if released or auth.captured.amount >= auth.amount.amount:
                    continue
                stage = Stage.EXPIRED
            elif auth.capturable.amount <= Decimal(0):
                continue  # captured in full, or voided: nothing left at risk
            else:
                stage = Stage.ACT if now >= act_at else Stage.WATCH
            verdicts.append(
                Verdict(
                    order_id=order.order_id,
                    authorization=auth,
                    expires_at=auth.expires_at,
                    act_at=act_at,
                    eta=order.eta,
                    stage=stage,
                    amount=capture_amount(auth, order.value),
                    action=_action(stage, policy),
                )
            )
    verdicts.sort(key=lambda v: (v.expires_at, v.order_id, v.authorization.transaction_id))
    return verdicts
