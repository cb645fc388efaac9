"""The console's order page shows the order's money as ``connector order N`` does (the same
view, :func:`connector.payments_order.order_money_view`)."""

from __future__ import annotations

from tests.web.test_console import Console, console, text, waiting_order

__all__ = ["console"]  # the fixture, imported for this module's tests


def test_the_order_page_says_where_the_orders_money_stands(console: Console) -> None:
    client = console.login("sam")
    order_id, number, _ = waiting_order(console)
    page = text(client.get(f"/console/order?shop=outlet&id={order_id}"))
    assert f"Order {number}" in page
    assert "Money" in page
    assert "WooCommerce: paid at checkout (no card authorization to watch)" in page
