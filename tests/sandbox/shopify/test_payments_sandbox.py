"""Money on orders as Shopify shows it: an authorization that expires (7 days, Shopify Payments),
partial and full ``orderCapture``, a capture refused after the expiry, ``EXPIRED`` shown, and
``orderInvoiceSend`` recorded. Every document here is also checked against the published schema."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from graphql import parse, validate

from connector.clock import FrozenClock
from connector.sandbox.shopify import ShopifySandbox
from tests.adapters.shopify.test_documents import published
from tests.sandbox.shopify.conftest import GraphQL

MONEY = """
query($id: ID!) {
  order(id: $id) {
    displayFinancialStatus
    capturable
    totalCapturableSet { shopMoney { amount currencyCode } }
    transactions(first: 10) {
      id kind status authorizationExpiresAt multiCapturable createdAt
      amountSet { shopMoney { amount } }
      totalUnsettledSet { shopMoney { amount } }
      parentTransaction { id }
    }
  }
}
"""

CAPTURE = """
mutation($input: OrderCaptureInput!) {
  orderCapture(input: $input) {
    transaction { id kind status amountSet { shopMoney { amount } } parentTransaction { id } }
    userErrors { field message }
  }
}
"""

INVOICE = """
mutation($id: ID!) {
  orderInvoiceSend(id: $id) { order { id } userErrors { field message code } }
}
"""


def _order(store: ShopifySandbox, quantity: int = 2) -> tuple[str, Decimal]:
    variant = next(v for v in store.data.variants.values() if v.policy == "CONTINUE")
    order_id = store.place_order(
        "kim@example.com", [(variant.sku, quantity)], financial="AUTHORIZED"
    )
    return order_id, Decimal(variant.price) * quantity


def _capture(gql: GraphQL, order_id: str, auth: str, amount: Decimal) -> dict[str, object]:
    answer = gql(
        CAPTURE,
        {"input": {"id": order_id, "parentTransactionId": auth, "amount": f"{amount:.2f}"}},
    )
    payload: dict[str, object] = answer["data"]["orderCapture"]
    return payload


def test_documents_here_are_valid_against_the_published_schema() -> None:
    for text in (MONEY, CAPTURE, INVOICE):
        assert validate(published(), parse(text)) == []


def test_a_checkout_under_manual_capture_authorizes_for_seven_days(
    store: ShopifySandbox, gql: GraphQL, shop_clock: FrozenClock
) -> None:
    order_id, total = _order(store)
    order = gql(MONEY, {"id": order_id})["data"]["order"]
    assert order["displayFinancialStatus"] == "AUTHORIZED"
    assert order["capturable"] is True
    assert order["totalCapturableSet"]["shopMoney"]["amount"] == f"{total:.2f}"
    (auth,) = order["transactions"]
    assert (auth["kind"], auth["status"]) == ("AUTHORIZATION", "SUCCESS")
    assert auth["authorizationExpiresAt"] == (shop_clock() + timedelta(days=7)).isoformat().replace(
        "+00:00", "Z"
    )


def test_a_single_capture_takes_part_and_releases_the_rest(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    order_id, total = _order(store)
    auth = gql(MONEY, {"id": order_id})["data"]["order"]["transactions"][0]["id"]
    too_much = _capture(gql, order_id, auth, total + 1)
    assert too_much["transaction"] is None and too_much["userErrors"]
    done = _capture(gql, order_id, auth, total / 2)
    assert done["userErrors"] == []
    assert done["transaction"]["parentTransaction"] == {"id": auth}  # type: ignore[index]
    order = gql(MONEY, {"id": order_id})["data"]["order"]
    assert order["displayFinancialStatus"] == "PARTIALLY_PAID"
    assert order["totalCapturableSet"]["shopMoney"]["amount"] == "0.00"  # released
    assert _capture(gql, order_id, auth, Decimal("1.00"))["userErrors"]
    assert store.money(order_id)["captures"] == [f"{total / 2:.2f}"]


def test_a_multi_capturable_authorization_stays_open_until_captured_in_full(
    store: ShopifySandbox, gql: GraphQL
) -> None:
    order_id, total = _order(store)
    auth = store.authorize(order_id, multi_capturable=True)
    assert _capture(gql, order_id, auth, total - 1)["userErrors"] == []
    order = gql(MONEY, {"id": order_id})["data"]["order"]
    assert order["totalCapturableSet"]["shopMoney"]["amount"] == "1.00"
    assert _capture(gql, order_id, auth, Decimal(1))["userErrors"] == []
    assert gql(MONEY, {"id": order_id})["data"]["order"]["displayFinancialStatus"] == "PAID"


def test_after_the_expiry_nothing_can_be_captured_and_the_order_shows_expired(
    store: ShopifySandbox, gql: GraphQL, shop_clock: FrozenClock
) -> None:
    order_id, total = _order(store)
    auth = gql(MONEY, {"id": order_id})["data"]["order"]["transactions"][0]["id"]
    shop_clock.advance(timedelta(days=7))
    refused = _capture(gql, order_id, auth, total)
    assert refused["transaction"] is None
    assert "expired" in refused["userErrors"][0]["message"]  # type: ignore[index]
    order = gql(MONEY, {"id": order_id})["data"]["order"]
    assert order["displayFinancialStatus"] == "EXPIRED"
    assert order["capturable"] is False
    assert store.money(order_id)["captures"] == []


def test_outside_plus_the_expiry_is_not_stated(store: ShopifySandbox, gql: GraphQL) -> None:
    order_id, _ = _order(store)
    store.authorize(order_id, expires_visible=False)
    (auth,) = gql(MONEY, {"id": order_id})["data"]["order"]["transactions"]
    assert auth["authorizationExpiresAt"] is None


def test_an_invoice_send_is_recorded_for_the_customer(store: ShopifySandbox, gql: GraphQL) -> None:
    order_id, _ = _order(store)
    assert gql(INVOICE, {"id": order_id})["data"]["orderInvoiceSend"]["userErrors"] == []
    assert store.money(order_id)["invoices"] == ["kim@example.com"]
    unknown = gql(INVOICE, {"id": "gid://shopify/Order/999999"})["data"]["orderInvoiceSend"]
    assert unknown["userErrors"][0]["code"] == "ORDER_INVOICE_SEND_UNSUCCESSFUL"
