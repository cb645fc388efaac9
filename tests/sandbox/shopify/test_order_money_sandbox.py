"""Taxes, shipping and payment terms of an order as Shopify shows them, and the payment reminder
(``paymentReminderSend``) the customer receives. Every document here is checked against the
published 2026-10 schema."""

from __future__ import annotations

from decimal import Decimal

from graphql import parse, validate

from connector.sandbox.shopify import ShopifySandbox
from tests.adapters.shopify.test_documents import published
from tests.sandbox.shopify.conftest import GraphQL

ORDER = """
query($id: ID!) {
  order(id: $id) {
    taxesIncluded
    lineItems(first: 5) { nodes { id quantity taxLines { rate priceSet { shopMoney { amount } } } } }
    shippingLine { discountedPriceSet { shopMoney { amount } } taxLines { priceSet { shopMoney { amount } } } }
    paymentTerms { id paymentTermsType paymentSchedules(first: 5) { nodes { id dueAt completedAt } } }
    transactions(first: 5) { kind amountSet { shopMoney { amount } } }
  }
}
"""

REMIND = """
mutation($id: ID!) {
  paymentReminderSend(paymentScheduleId: $id) { success userErrors { field message code } }
}
"""


def _order(store: ShopifySandbox, quantity: int = 2) -> tuple[str, Decimal]:
    variant = next(v for v in store.data.variants.values() if v.policy == "CONTINUE")
    order_id = store.place_order("kim@example.com", [(variant.sku, quantity)])
    return order_id, Decimal(variant.price) * quantity


def test_documents_here_are_valid_against_the_published_schema() -> None:
    for text in (ORDER, REMIND):
        assert validate(published(), parse(text)) == []


def test_a_taxed_order_shows_its_line_and_shipping_taxes_and_authorizes_its_total(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    order_id, lines = _order(store)
    store.tax_order(order_id, Decimal("0.25"), shipping=Decimal("40.00"))
    store.authorize(order_id)
    order = gql(ORDER, {"id": order_id})["data"]["order"]
    assert order["taxesIncluded"] is False
    (line,) = order["lineItems"]["nodes"]
    (tax,) = line["taxLines"]
    line_tax = (lines * Decimal("0.25")).quantize(Decimal("0.01"))
    assert tax["priceSet"]["shopMoney"]["amount"] == f"{line_tax:.2f}"
    shipping = order["shippingLine"]
    assert shipping["discountedPriceSet"]["shopMoney"]["amount"] == "40.00"
    assert shipping["taxLines"][0]["priceSet"]["shopMoney"]["amount"] == "10.00"
    (auth,) = order["transactions"]
    total = lines + line_tax + Decimal("50.00")
    assert auth["amountSet"]["shopMoney"]["amount"] == f"{total:.2f}"
    assert order["paymentTerms"] is None


def test_prices_that_include_tax_are_not_taxed_again(store: ShopifySandbox, gql: GraphQL) -> None:
    order_id, lines = _order(store)
    store.tax_order(order_id, Decimal("0.25"), included=True)
    store.authorize(order_id)
    order = gql(ORDER, {"id": order_id})["data"]["order"]
    assert order["taxesIncluded"] is True
    tax = order["lineItems"]["nodes"][0]["taxLines"][0]["priceSet"]["shopMoney"]["amount"]
    assert Decimal(tax) == (lines - lines / Decimal("1.25")).quantize(Decimal("0.01"))
    assert order["transactions"][0]["amountSet"]["shopMoney"]["amount"] == f"{lines:.2f}"


def test_a_payment_reminder_goes_to_the_customer_for_an_unpaid_schedule(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    order_id, _ = _order(store)
    schedule = store.give_payment_terms(order_id)
    terms = gql(ORDER, {"id": order_id})["data"]["order"]["paymentTerms"]
    assert terms["paymentTermsType"] == "NET"
    assert terms["paymentSchedules"]["nodes"][0]["id"] == schedule
    assert terms["paymentSchedules"]["nodes"][0]["completedAt"] is None
    answer = gql(REMIND, {"id": schedule})["data"]["paymentReminderSend"]
    assert answer == {"success": True, "userErrors": []}
    assert store.money(order_id)["reminders"] == ["kim@example.com"]
    unknown = gql(REMIND, {"id": "gid://shopify/PaymentSchedule/1"})["data"]["paymentReminderSend"]
    assert unknown["success"] is False
    assert unknown["userErrors"][0]["code"] == "PAYMENT_REMINDER_SEND_UNSUCCESSFUL"
    assert store.money(order_id)["reminders"] == ["kim@example.com"]
