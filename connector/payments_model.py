"""The common model of an order's money: what an adapter reads and what a money operation did.

Plain frozen dataclasses like :mod:`connector.model` (money as :class:`~connector.model.Money`,
aware UTC times, opaque platform ids); adapters build them at their edge, the engine
(:mod:`connector.engine.money`) decides on them, and nothing platform-shaped goes past them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from connector.model import Money

__all__ = ["Authorization", "MoneyOutcome", "MoneyResult"]


@dataclass(frozen=True, slots=True)
class Authorization:
    """Money a card authorized for an order and the shop has not taken yet."""

    order_id: str
    transaction_id: str
    amount: Money
    """What was authorized."""
    capturable: Money
    """What can still be captured now (0 once it expired, was voided or captured in full)."""
    captured: Money
    """What captures of this authorization took so far (how a lost answer is told apart)."""
    created_at: datetime
    expires_at: datetime | None
    """When the platform says it expires; None when it does not say (Shopify: not on Plus)."""
    multi_capturable: bool = False
    """Several partial captures allowed; otherwise one capture releases the rest."""


class MoneyOutcome(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"
    """The platform refused (expired, declined): nothing moved; a person must act."""
    UNKNOWN = "unknown"
    """No answer (network, throttle, 5xx): it may have run; read before any new attempt."""


@dataclass(frozen=True, slots=True)
class MoneyResult:
    """What one capture or payment request did."""

    outcome: MoneyOutcome
    message: str = ""
    transaction_id: str = ""
