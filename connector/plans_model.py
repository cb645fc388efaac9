"""The common model of pre-order selling plans and the balances they leave (issue 15).

Plain frozen dataclasses like :mod:`connector.payments_model`: the Shopify adapter builds them
at its edge (``adapters.shopify.selling_plans``), :mod:`connector.selling_plans` and
:mod:`connector.balance_collection` decide on them; nothing platform-shaped goes past them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connector.model import Money

__all__ = ["Balance", "PlanGroup", "PlanTerms"]


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """What one pre-order policy's selling plan must say."""

    policy: str
    merchant_code: str
    """How the connector finds its group again (``backorder-connector:<policy>``)."""
    checkout_percent: Decimal
    """Charged at checkout: the deposit percent, 0 for pay on release."""
    release: date | None
    """Fulfilment starts on this day (None: as soon as possible)."""
    group_name: str
    plan_name: str
    description: str
    """Merchant-facing; also the fingerprint of these terms (a change updates the plan)."""


@dataclass(frozen=True, slots=True)
class PlanGroup:
    """A selling plan group as the platform holds it."""

    id: str
    merchant_code: str
    description: str
    plan_id: str
    variant_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class Balance:
    """What an order bought under a deferred-payment plan still owes, and how it can be paid."""

    order_id: str
    outstanding: Money
    received: Money
    mandate_id: str
    """The vaulted card to charge ("" when there is none)."""
    status_url: str
    financial: str
