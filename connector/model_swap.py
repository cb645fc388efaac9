"""The common model of a customer's swap: one waiting line's units exchanged for an in-stock
alternative that is not dearer. Free of any platform's shapes, like :mod:`connector.model_cancel`:
the adapters take a :class:`LineSwap` and answer a :class:`SwapOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

__all__ = ["LineSwap", "LineSwapper", "SwapOutcome"]


@dataclass(frozen=True, slots=True)
class LineSwap:
    """Replace ``units`` of line ``line_id`` of one order by the same units of ``variant_id``.

    ``difference`` is what the customer gets back per unit (old unit price minus new, never
    negative). ``key`` is the idempotency key: the same key never swaps or refunds twice.
    ``reason`` is shown to the shop's staff only.
    """

    order_id: str
    line_id: str
    units: int
    variant_id: str
    product_id: str
    sku: str
    unit_price: Decimal
    """The alternative's unit price, as the page showed it."""
    difference: Decimal
    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class SwapOutcome:
    """What the shop recorded for one :class:`LineSwap`."""

    new_line_id: str
    refund: str
    """How the difference went back: a :class:`~connector.model_cancel.RefundKind` value."""
    amount: Decimal
    """Money the gateway returned (the difference, or 0)."""
    currency: str
    owed: Decimal = Decimal("0")
    """The difference the owner pays back by hand (the gateway cannot refund)."""
    replayed: bool = False


@runtime_checkable
class LineSwapper(Protocol):
    """What an adapter offers for the customer page's swap."""

    def swap_line(self, request: LineSwap) -> SwapOutcome:
        """Swap ``request``'s units exactly once per ``request.key``.

        Raises :class:`~connector.errors.RetryableError` when trying again later may work, and
        another :class:`~connector.errors.ConnectorError` when the shop refused for good (for
        example the alternative can no longer be sold).
        """
        ...
