"""Refunds as Shopify keeps them: each names its line items (quantity, subtotal at the line's price)
and, apart from them, the money its transactions returned. A refund that only restocks returned
0.00 while its line item still carries the calculated subtotal (Shopify books the difference as an
order adjustment), so only ``totalRefundedSet`` says what money moved."""

from __future__ import annotations

from decimal import Decimal

import requests

from connector.sandbox.shopify import ShopifySandbox
from connector.sandbox.shopify.webhooks import build_payload
from tests.sandbox.shopify.conftest import GraphQL

REFUNDS = """
query($id: ID!) {
  order(id: $id) {
    refunds(first: 5) {
      id
      totalRefundedSet { shopMoney { amount currencyCode } }
      refundLineItems(first: 5) {
        nodes {
          lineItem { id sku }
          quantity
          restockType
          subtotalSet { shopMoney { amount } }
          totalTaxSet { shopMoney { amount } }
        }
      }
    }
  }
}
"""


def _continue_sku(store: ShopifySandbox) -> tuple[str, Decimal]:
    variant = next(v for v in store.data.variants.values() if v.policy == "CONTINUE")
    return variant.sku, Decimal(variant.price)


def test_a_refund_keeps_its_line_items_and_the_money_that_moved(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    sku, price = _continue_sku(store)
    order_id = store.place_order("rae@example.com", [(sku, 3)])
    assert gql(REFUNDS, {"id": order_id})["data"]["order"]["refunds"] == []

    store.refund_order_line(order_id, sku, 2)  # the admin's suggestion: the units' price
    store.refund_order_line(order_id, sku, 1, amount="0.00")  # restocked, no money back

    refunds = gql(REFUNDS, {"id": order_id})["data"]["order"]["refunds"]
    assert [r["totalRefundedSet"]["shopMoney"] for r in refunds] == [
        {"amount": f"{price * 2:.2f}", "currencyCode": "USD"},
        {"amount": "0.00", "currencyCode": "USD"},
    ]
    items = [r["refundLineItems"]["nodes"] for r in refunds]
    assert [
        [(i["lineItem"]["sku"], i["quantity"], i["restockType"]) for i in n] for n in items
    ] == [
        [(sku, 2, "CANCEL")],
        [(sku, 1, "CANCEL")],
    ]
    # Subtotals are the calculated price times quantity, whatever money moved.
    assert [n[0]["subtotalSet"]["shopMoney"]["amount"] for n in items] == [
        f"{price * 2:.2f}",
        f"{price:.2f}",
    ]
    assert gql(REFUNDS, {"id": order_id})["data"]["order"]["refunds"] == refunds
    total = gql(
        "query($id: ID!) { order(id: $id) { totalRefundedSet { shopMoney { amount } } } }",
        {"id": order_id},
    )["data"]["order"]["totalRefundedSet"]["shopMoney"]["amount"]
    assert total == f"{price * 2:.2f}", "the order's total is the money that moved"
    only_first = gql(
        REFUNDS.replace("first: 5) {\n      id", "first: 1) {\n      id"), {"id": order_id}
    )
    assert len(only_first["data"]["order"]["refunds"]) == 1


def test_webhook_payloads_carry_the_refunds_with_a_transaction_only_when_money_moved(
    store: ShopifySandbox,
) -> None:
    sku, price = _continue_sku(store)
    order_id = store.place_order("rae@example.com", [(sku, 3)])
    paid = store.refund_order_line(order_id, sku, 1, amount="4.00")
    restocked = store.refund_order_line(order_id, sku, 1, amount="0.00")
    number = int(order_id.rsplit("/", 1)[1])

    order = build_payload(store.data, "orders/updated", {"order": number})
    assert order is not None
    assert [r["admin_graphql_api_id"] for r in order["refunds"]] == [paid, restocked]
    first, second = order["refunds"]
    assert [t["amount"] for t in first["transactions"]] == ["4.00"]
    assert second["transactions"] == []
    assert [i["subtotal"] for i in second["refund_line_items"]] == [f"{price:.2f}"]

    refund_id = int(restocked.rsplit("/", 1)[1])
    created = build_payload(
        store.data, "refunds/create", {"refund": refund_id, "refund_order": number}
    )
    assert created is not None and created == second and created["order_id"] == number


def test_a_refund_over_the_control_api_takes_the_money_returned(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    sku, _ = _continue_sku(store)
    order_id = store.place_order("rae@example.com", [(sku, 2)])
    base = f"{store.base_url}/__sandbox/refund_order_line"
    asked = {"id": order_id, "sku": sku, "quantity": 1}
    refused = requests.post(base, json={**asked, "amount": "-1"}, timeout=5)
    assert refused.status_code == 400
    made = requests.post(base, json={**asked, "amount": "2.50"}, timeout=5).json()
    [refund] = gql(REFUNDS, {"id": order_id})["data"]["order"]["refunds"]
    assert refund["id"] == made["id"]
    assert refund["totalRefundedSet"]["shopMoney"]["amount"] == "2.50"
