"""The Shopify adapter reads what a capture of waiting lines adds to their prices: each line's
taxes (none added when the prices include them) and the shipping with its tax; and it asks for
payment with Shopify's payment reminder when the order has payment terms, else its invoice."""

from __future__ import annotations

from decimal import Decimal

from connector.model import Money
from connector.payments_model import MoneyOutcome
from tests.adapters.shopify.conftest import Rig


def _order(rig: Rig, rate: str, *, included: bool, shipping: str = "0") -> tuple[str, Decimal]:
    variant = next(v for v in rig.store.data.variants.values() if v.policy == "CONTINUE")
    order_id = rig.store.place_order("ola@example.com", [(variant.sku, 3)], financial="AUTHORIZED")
    rig.store.tax_order(order_id, Decimal(rate), shipping=Decimal(shipping), included=included)
    rig.store.authorize(order_id, multi_capturable=True)
    return order_id, Decimal(variant.price)


def test_taxes_on_top_of_the_price_are_shared_by_unit_and_shipping_carries_its_tax(
    rig: Rig,
) -> None:
    order_id, price = _order(rig, "0.10", included=False, shipping="20.00")
    (money,) = rig.adapter.payments.order_money([order_id]).values()
    (line,) = money.line_taxes
    line_tax = (price * 3 * Decimal("0.10")).quantize(Decimal("0.01"))
    assert (line.tax.amount, line.quantity) == (line_tax, 3)
    share = (line_tax * 2 / 3).quantize(Decimal("0.01"))
    assert money.tax_for(line.line_id, 2) == Money(share, "USD")
    assert money.shipping == Money(Decimal("22.00"), "USD")
    assert money.received is None and money.financial_status == "AUTHORIZED"
    assert money.tax_for("gid://shopify/LineItem/1", 1) is None  # a line not read: unknown


def test_prices_that_include_tax_add_nothing(rig: Rig) -> None:
    order_id, _ = _order(rig, "0.25", included=True, shipping="20.00")
    (money,) = rig.adapter.payments.order_money([order_id]).values()
    (line,) = money.line_taxes
    assert line.tax.amount > 0 and money.taxes_included
    assert money.tax_for(line.line_id, 2) == Money(Decimal(0), "USD")
    assert money.shipping == Money(Decimal("20.00"), "USD")  # tax inside the price too


def test_asking_to_pay_reminds_the_schedule_of_an_order_with_terms(rig: Rig) -> None:
    with_terms, _ = _order(rig, "0", included=False)
    without, _ = _order(rig, "0", included=False)
    rig.store.give_payment_terms(with_terms)
    reminded = rig.adapter.payments.send_invoice(with_terms)
    invoiced = rig.adapter.payments.send_invoice(without)
    assert (reminded.outcome, reminded.message) == (MoneyOutcome.DONE, "payment reminder")
    assert invoiced.outcome is MoneyOutcome.DONE and invoiced.message == ""
    assert rig.store.money(with_terms)["reminders"] == ["ola@example.com"]
    assert rig.store.money(with_terms)["invoices"] == []
    assert rig.store.money(without)["invoices"] == ["ola@example.com"]
