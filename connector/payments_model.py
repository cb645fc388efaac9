"""The common model of an order's money: what an adapter reads and what a money operation did.

Plain frozen dataclasses like :mod:`connector.model` (money as :class:`~connector.model.Money`,
aware UTC times, opaque platform ids); adapters build them at their edge, the engine
(:mod:`connector.engine.money`) decides on them, and nothing platform-shaped goes past them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from connector.model import Money

CENT = Decimal("0.01")

__all__ = ["Authorization", "LineTax", "MoneyOutcome", "MoneyResult", "OrderMoney"]


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


@dataclass(frozen=True, slots=True)
class LineTax:
    """The taxes the platform charged for one whole order line (all its units)."""

    line_id: str
    tax: Money
    quantity: int
    """The line's units the tax is for (Shopify: as ordered, refunded units included)."""


@dataclass(frozen=True, slots=True)
class OrderMoney:
    """One order's money as the platform shows it: its authorizations, what was taken and given
    back, and what a capture of its waiting lines adds to their prices (taxes, shipping)."""

    order_id: str
    authorizations: tuple[Authorization, ...] = ()
    received: Money | None = None
    """What successful captures and sales took (None: nothing)."""
    refunded: Money | None = None
    """What successful refunds gave back (None: nothing)."""
    financial_status: str = ""
    """As the platform words it (Shopify ``displayFinancialStatus``: ``AUTHORIZED``, ``PAID``...)."""
    taxes_included: bool = False
    """Line prices already include their taxes (then ``line_taxes`` are not added to them)."""
    line_taxes: tuple[LineTax, ...] = ()
    shipping: Money | None = None
    """The order's shipping with its taxes (None: no shipping)."""

    def tax_for(self, line_id: str, units: int) -> Money | None:
        """The tax to add to the price of ``units`` of ``line_id``, to the cent: its share of the
        line's taxes, 0 when prices include them or the line has none; None when the line was not
        read (an order of more lines than one read holds)."""
        for line in self.line_taxes:
            if line.line_id == line_id:
                if self.taxes_included or line.quantity <= 0 or line.tax.amount == 0:
                    return Money(Decimal(0), line.tax.currency)
                share = line.tax.amount * units / line.quantity
                return Money(share.quantize(CENT, ROUND_HALF_UP), line.tax.currency)
        return None
