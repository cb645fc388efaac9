"""The common model of a customer's cancel: which waiting units go, and what the shop did about
the money. Kept apart from :mod:`connector.model` (already past its size) and, like it, free of
any platform's shapes: the adapters take a :class:`LineCancel` and answer a :class:`CancelOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

__all__ = ["CancelOutcome", "LineCancel", "LineCanceller", "RefundKind"]


@dataclass(frozen=True, slots=True)
class LineCancel:
    """Cancel ``units`` of each line (line id -> units) of one order, refunding their price.

    ``key`` is the idempotency key: the same key never cancels or refunds twice, whatever answer
    was lost on the way (Shopify's ``@idempotent`` key; a marker in the WooCommerce refund's
    reason, looked for before each write). ``reason`` is shown to the shop's staff only.
    """

    order_id: str
    units: tuple[tuple[str, int], ...]
    key: str
    reason: str
    amounts: tuple[tuple[str, Decimal], ...] = ()
    """Money to return per line instead of the units' paid price (a swap for a cheaper item
    returns only the difference); lines not named here return their paid price."""


class RefundKind:
    """How the money went back."""

    PAID = "paid"
    """The payment gateway returned the money."""
    MANUAL = "manual"
    """The units are cancelled and restocked but the gateway cannot refund by API: the owner
    pays the customer back by hand and records it in the shop."""
    NONE = "none"
    """Nothing was paid for these units (an unpaid order): nothing to return."""


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    """What the shop recorded for one :class:`LineCancel`."""

    refund_id: str
    amount: Decimal
    """Money returned to the customer by the gateway (0 for MANUAL and NONE)."""
    currency: str
    refund: str
    """One of :class:`RefundKind`'s values."""
    owed: Decimal = Decimal("0")
    """For MANUAL: what the owner has to pay back by hand."""
    replayed: bool = False
    """True when the shop already had this key's refund (an earlier answer was lost)."""


@runtime_checkable
class LineCanceller(Protocol):
    """What an adapter offers for the customer page's cancel (both platforms do)."""

    def cancel_lines(self, request: LineCancel) -> CancelOutcome:
        """Cancel and refund ``request``'s units exactly once per ``request.key``.

        Raises :class:`~connector.errors.RetryableError` when trying again later may work, and
        another :class:`~connector.errors.ConnectorError` when the shop refused for good.
        """
        ...
