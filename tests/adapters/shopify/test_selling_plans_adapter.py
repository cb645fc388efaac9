"""Pre-order selling plans and deferred balances through the real Shopify adapter, over HTTP
against the sandbox (the facts in ``connector/sandbox/shopify/selling_plans.py`` and
``mandates.py``; every document is also checked against the published 2026-10 schema)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from connector.errors import PayloadError
from connector.payments_model import MoneyOutcome
from connector.plans_model import PlanTerms
from connector.sandbox.shopify.mandates import deferred_money, fail_mandate, place_under_plans
from connector.sandbox.shopify.records import gid
from connector.sandbox.shopify.selling_plans import plans_of
from tests.adapters.shopify.conftest import Rig

TERMS = PlanTerms(
    policy="lamps",
    merchant_code="backorder-connector:lamps",
    checkout_percent=Decimal(20),
    release=date(2027, 3, 1),
    group_name="Pre-order",
    plan_name="20% now, the rest when it ships",
    description="lamps: 20% at checkout",
)


def _variants(rig: Rig, count: int) -> list[tuple[str, str, Decimal]]:
    found = [v for v in rig.store.data.variants.values() if v.policy == "CONTINUE"][:count]
    return [(gid("ProductVariant", v.id), v.sku, Decimal(v.price)) for v in found]


def test_a_group_is_created_with_its_plan_policies_and_found_again_by_merchant_code(
    rig: Rig,
) -> None:
    plans = rig.adapter.selling_plans
    (one, _, _), (two, _, _) = _variants(rig, 2)
    group_id = plans.create(TERMS, [one])
    (group,) = [g for g in plans.groups() if g.merchant_code == "backorder-connector:lamps"]
    assert (group.id, group.variant_ids, group.description) == (
        group_id,
        frozenset({one}),
        "lamps: 20% at checkout",
    )
    (stored,) = plans_of(rig.store.data).groups.values()
    (plan,) = stored.plans
    assert plan.category == "PRE_ORDER"
    assert plan.checkout_percent == Decimal(20)
    assert plan.billing["remainingBalanceChargeTrigger"] == "ON_FULFILLMENT"
    assert plan.delivery == {
        "fulfillmentTrigger": "EXACT_TIME",
        "fulfillmentExactTime": "2027-03-01T00:00:00Z",
    }
    assert plan.inventory == {"reserve": "ON_FULFILLMENT"}
    plans.attach(group_id, [two], add=True)
    plans.attach(group_id, [one], add=False)
    (group,) = plans.groups()
    assert group.variant_ids == frozenset({two})


def test_a_deposit_checkout_charges_the_deposit_and_vaults_the_card_for_the_rest(
    rig: Rig,
) -> None:
    plans = rig.adapter.selling_plans
    [(variant, sku, price)] = _variants(rig, 1)
    plans.create(TERMS, [variant])
    order_id = place_under_plans(rig.store.data, "kim@example.com", [(sku, 2)])
    money = deferred_money(rig.store.data, order_id)
    deposit = (price * 2 * Decimal("0.2")).quantize(Decimal("0.01"))
    assert money["sales"] == [f"{deposit:.2f}"]
    assert money["financial"] == "PARTIALLY_PAID"
    balance = plans.balances([order_id])[order_id]
    assert balance.outstanding.amount == price * 2 - deposit
    assert balance.received.amount == deposit
    assert balance.mandate_id.startswith("gid://shopify/PaymentMandate/")


def test_the_balance_is_collected_once_per_key_and_a_replay_charges_nothing(rig: Rig) -> None:
    plans = rig.adapter.selling_plans
    [(variant, sku, _price)] = _variants(rig, 1)
    plans.create(TERMS, [variant])
    order_id = place_under_plans(rig.store.data, "kim@example.com", [(sku, 1)])
    balance = plans.balances([order_id])[order_id]
    first = plans.collect(order_id, balance.mandate_id, "balance|1")
    again = plans.collect(order_id, balance.mandate_id, "balance|1")
    assert first.outcome is MoneyOutcome.DONE
    assert again == first  # the same payment, not a second one
    money = deferred_money(rig.store.data, order_id)
    assert len(money["sales"]) == 2
    assert (money["outstanding"], money["financial"], money["mandate_calls"]) == ("0.00", "PAID", 2)


def test_a_declined_card_and_an_expired_mandate_fail_and_leave_the_balance(rig: Rig) -> None:
    plans = rig.adapter.selling_plans
    [(variant, sku, _price)] = _variants(rig, 1)
    plans.create(TERMS, [variant])
    declined = place_under_plans(rig.store.data, "kim@example.com", [(sku, 1)])
    expired = place_under_plans(rig.store.data, "ola@example.com", [(sku, 1)])
    fail_mandate(rig.store.data, declined, "declined")
    fail_mandate(rig.store.data, expired, "expired")
    owed = plans.balances([declined, expired])
    refused = plans.collect(declined, owed[declined].mandate_id, "k1")
    lapsed = plans.collect(expired, owed[expired].mandate_id, "k2")
    assert (refused.outcome, refused.message) == (MoneyOutcome.FAILED, "Your card was declined.")
    assert lapsed.outcome is MoneyOutcome.FAILED
    assert "expired" in lapsed.message
    after = plans.balances([declined, expired])
    assert after[declined].outstanding == owed[declined].outstanding
    assert after[expired].outstanding == owed[expired].outstanding
    assert deferred_money(rig.store.data, declined)["failures"] == [
        f"{owed[declined].outstanding.amount:.2f}"
    ]


def test_on_release_charges_nothing_at_checkout(rig: Rig) -> None:
    plans = rig.adapter.selling_plans
    [(variant, sku, price)] = _variants(rig, 1)
    later = replace(TERMS, checkout_percent=Decimal(0), release=None, description="later")
    plans.create(later, [variant])
    order_id = place_under_plans(rig.store.data, "kim@example.com", [(sku, 1)])
    money = deferred_money(rig.store.data, order_id)
    assert (money["sales"], money["financial"]) == ([], "PENDING")
    assert plans.balances([order_id])[order_id].outstanding.amount == price
    (stored,) = plans_of(rig.store.data).groups.values()
    assert stored.plans[0].delivery == {"fulfillmentTrigger": "ASAP"}


def test_an_unknown_variant_is_refused_and_the_group_keeps_its_variants(rig: Rig) -> None:
    plans = rig.adapter.selling_plans
    [(variant, _sku, _price)] = _variants(rig, 1)
    group_id = plans.create(TERMS, [variant])
    with pytest.raises(PayloadError, match="Product variant does not exist"):
        plans.attach(group_id, ["gid://shopify/ProductVariant/999999"], add=True)
    (group,) = plans.groups()
    assert group.variant_ids == frozenset({variant})
