"""Pre-order selling plans and deferred balances on Shopify (issue 15, docs/payments.md).

Shopify facts this relies on (each a sandbox behaviour with a test):

- A pre-order with a deposit or pay-later is a selling plan group (category ``PRE_ORDER``) whose
  fixed billing policy charges part at checkout and leaves a remaining balance with a trigger
  (shopify.dev/docs/apps/build/purchase-options/deferred). Shopify does not refuse a second group
  with the same ``merchantCode``, so the connector reads its groups first and finds its own by it.
- ``orderCreateMandatePayment`` charges the card vaulted at checkout (the order's
  ``paymentCollectionDetails.vaultedPaymentMethods``). It takes an ``idempotencyKey``: the same key
  returns the first result and never charges twice. ``amount`` is for Plus shops only, so none is
  sent: Shopify collects what is outstanding (``totalOutstandingSet``).
- The payment runs as a job: ``jobResult.status`` is ``SUCCEEDED``, ``FAILED`` (declined) or
  ``STARTED``; an expired or revoked mandate is a userError and nothing is charged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from adapters.shopify.client import GraphQLClient
from connector.errors import PayloadError, RetryableError
from connector.model import Money
from connector.payments_model import MoneyOutcome, MoneyResult
from connector.plans_model import Balance, PlanGroup, PlanTerms

__all__ = ["ShopifySellingPlans", "group_input"]

PAGE = 100
BATCH = 10


def group_input(terms: PlanTerms) -> dict[str, Any]:
    """The ``SellingPlanGroupInput`` of a pre-order policy (``sellingPlansToCreate`` filled)."""
    return {
        "name": terms.group_name,
        "merchantCode": terms.merchant_code,
        "description": terms.description,
        "options": [terms.group_name],
        "sellingPlansToCreate": [plan_input(terms)],
    }


def plan_input(terms: PlanTerms, plan_id: str | None = None) -> dict[str, Any]:
    """One fixed pre-order plan: the checkout charge now, the rest due when the line is fulfilled
    (``ON_FULFILLMENT``, added for pre-orders in 2026-01), fulfilment from the release day (or as
    soon as possible), stock reserved when it ships, as a pre-order sells what is not there yet."""
    delivery: dict[str, Any] = {"fulfillmentTrigger": "ASAP"}
    if terms.release is not None:
        delivery = {
            "fulfillmentTrigger": "EXACT_TIME",
            "fulfillmentExactTime": f"{terms.release.isoformat()}T00:00:00Z",
        }
    plan: dict[str, Any] = {
        "name": terms.plan_name,
        "options": [terms.plan_name],
        "category": "PRE_ORDER",
        "billingPolicy": {
            "fixed": {
                "checkoutCharge": {
                    "type": "PERCENTAGE",
                    "value": {"percentage": float(terms.checkout_percent)},
                },
                "remainingBalanceChargeTrigger": "ON_FULFILLMENT",
            }
        },
        "deliveryPolicy": {"fixed": delivery},
        "inventoryPolicy": {"reserve": "ON_FULFILLMENT"},
    }
    if plan_id:
        plan["id"] = plan_id
    return plan


def _errors(payload: Mapping[str, Any]) -> str:
    found: Sequence[Mapping[str, Any]] = payload.get("userErrors") or ()
    return "; ".join(str(e.get("message")) for e in found)


def _money(node: Any, field: str) -> Money:
    shop = (node or {}).get("shopMoney") if isinstance(node, Mapping) else None
    if not isinstance(shop, Mapping):
        raise PayloadError(f"{field} is missing")
    try:
        return Money(Decimal(str(shop.get("amount"))), str(shop.get("currencyCode") or "USD"))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{field} {shop.get('amount')!r} is not an amount") from None


class ShopifySellingPlans:
    """The selling plan and balance calls of one shop, over its one GraphQL client."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client

    # -- groups --------------------------------------------------------------------------------

    def groups(self) -> list[PlanGroup]:
        """Every selling plan group this app made, with its attached variants."""
        found: list[PlanGroup] = []
        after: str | None = None
        while True:
            data = self.client.run("SellingPlanGroups", {"first": PAGE, "after": after})
            page = data.get("sellingPlanGroups") or {}
            for node in page.get("nodes") or ():
                if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
                    continue
                plans = (node.get("sellingPlans") or {}).get("nodes") or ()
                found.append(
                    PlanGroup(
                        id=node["id"],
                        merchant_code=str(node.get("merchantCode") or ""),
                        description=str(node.get("description") or ""),
                        plan_id=str(plans[0].get("id")) if plans else "",
                        variant_ids=frozenset(self._variants(node["id"])),
                    )
                )
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            after = info.get("endCursor")

    def _variants(self, group_id: str) -> list[str]:
        found: list[str] = []
        after: str | None = None
        while True:
            data = self.client.run(
                "SellingPlanGroupVariants", {"id": group_id, "first": 250, "after": after}
            )
            page = (data.get("node") or {}).get("productVariants") or {}
            found += [str(n["id"]) for n in page.get("nodes") or () if isinstance(n, Mapping)]
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            after = info.get("endCursor")

    def create(self, terms: PlanTerms, variant_ids: Sequence[str]) -> str:
        """Create the policy's group with its variants; its id. Raises PayloadError when refused."""
        data = self.client.run(
            "SellingPlanGroupCreate",
            {"input": group_input(terms), "resources": {"productVariantIds": list(variant_ids)}},
        )
        payload = data.get("sellingPlanGroupCreate") or {}
        if _errors(payload):
            raise PayloadError(f"sellingPlanGroupCreate refused: {_errors(payload)}")
        return str((payload.get("sellingPlanGroup") or {}).get("id") or "")

    def update(self, group: PlanGroup, terms: PlanTerms) -> None:
        """Bring the group's labels and its plan to ``terms``."""
        spec = {
            "name": terms.group_name,
            "description": terms.description,
            "sellingPlansToUpdate": [plan_input(terms, group.plan_id)] if group.plan_id else [],
            "sellingPlansToCreate": [] if group.plan_id else [plan_input(terms)],
        }
        data = self.client.run("SellingPlanGroupUpdate", {"id": group.id, "input": spec})
        payload = data.get("sellingPlanGroupUpdate") or {}
        if _errors(payload):
            raise PayloadError(f"sellingPlanGroupUpdate refused: {_errors(payload)}")

    def attach(self, group_id: str, variant_ids: Iterable[str], *, add: bool) -> None:
        """Attach (``add``) or detach variants, 100 a call."""
        ids = list(variant_ids)
        name = (
            "SellingPlanGroupAddProductVariants" if add else "SellingPlanGroupRemoveProductVariants"
        )
        field = name[0].lower() + name[1:]
        for start in range(0, len(ids), PAGE):
            data = self.client.run(
                name, {"id": group_id, "productVariantIds": ids[start : start + PAGE]}
            )
            payload = data.get(field) or {}
            if _errors(payload):
                raise PayloadError(f"{field} refused: {_errors(payload)}")

    # -- balances ------------------------------------------------------------------------------

    def balances(self, order_ids: Iterable[str]) -> dict[str, Balance]:
        """Order id -> what it still owes and the mandate that pays it (unreadable ones left out)."""
        ids = list(dict.fromkeys(order_ids))
        found: dict[str, Balance] = {}
        for start in range(0, len(ids), BATCH):
            data = self.client.run("OrderBalances", {"ids": ids[start : start + BATCH]})
            for node in data.get("nodes") or ():
                if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
                    continue
                try:
                    outstanding = _money(node.get("totalOutstandingSet"), "totalOutstandingSet")
                    received = _money(node.get("totalReceivedSet"), "totalReceivedSet")
                except PayloadError:
                    continue  # never collect on an amount we could not read
                vaulted = (node.get("paymentCollectionDetails") or {}).get(
                    "vaultedPaymentMethods"
                ) or ()
                mandate = next((str(m["id"]) for m in vaulted if isinstance(m, Mapping)), "")
                found[node["id"]] = Balance(
                    order_id=node["id"],
                    outstanding=outstanding,
                    received=received,
                    mandate_id=mandate,
                    status_url=str(node.get("statusPageUrl") or ""),
                    financial=str(node.get("displayFinancialStatus") or ""),
                )
        return found

    def collect(self, order_id: str, mandate_id: str, key: str) -> MoneyResult:
        """Charge the outstanding balance on the vaulted card, sent once under ``key``."""
        variables = {"id": order_id, "mandateId": mandate_id, "idempotencyKey": key}
        saved = self.client.policy
        # One attempt: the caller reads the balance before it sends the key again.
        self.client.policy = dataclasses.replace(saved, max_attempts=1)
        try:
            data = self.client.run("OrderCreateMandatePayment", variables)
        except (RetryableError, requests.RequestException) as error:
            return MoneyResult(MoneyOutcome.UNKNOWN, f"{type(error).__name__}: {error}"[:300])
        finally:
            self.client.policy = saved
        payload = data.get("orderCreateMandatePayment") or {}
        if _errors(payload):
            return MoneyResult(MoneyOutcome.FAILED, _errors(payload))
        result = payload.get("jobResult") or {}
        reference = str(payload.get("paymentReferenceId") or "")
        status = result.get("status")
        if status == "SUCCEEDED":
            return MoneyResult(MoneyOutcome.DONE, "", reference)
        if status == "FAILED":
            errors = result.get("errors") or ()
            message = "; ".join(str(e.get("message")) for e in errors) or "the payment failed"
            return MoneyResult(MoneyOutcome.FAILED, message, reference)
        # STARTED (or no result yet): the job runs on; the next read of the balance tells.
        return MoneyResult(MoneyOutcome.UNKNOWN, "the payment is still being processed", reference)
