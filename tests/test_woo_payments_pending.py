"""Which pending orders wait to be paid on release, and whose payment link is due (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from connector.model import (
    Customer,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Platform,
    Product,
    StockStatus,
    Variant,
)
from connector.pay_on_release import awaiting_payment
from connector.settings import (
    PolicyMatch,
    PolicyMode,
    PolicySettings,
    Settings,
    ShopSettings,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
RELEASE = date(2026, 11, 10)
EUR = Money(Decimal("60"), "EUR")


def settings(payment: str = "on_release") -> Settings:
    launch = PolicySettings(
        name="launch",
        mode=PolicyMode.PREORDER,
        match=PolicyMatch(skus=("GAME-*",)),
        release_date=RELEASE,
        payment=payment,  # type: ignore[arg-type]
    )
    return Settings(
        shops=(
            ShopSettings(name="outlet", platform=Platform.WOOCOMMERCE, url="https://x.example"),
        ),
        policies=(launch,),
        default_policy=PolicySettings(name="default", mode=PolicyMode.BACKORDER),
    )


def variant(sku: str, available: int, **extra: object) -> Variant:
    return Variant("outlet", f"v-{sku}", "p1", sku, sku, EUR, T0, available=available, **extra)  # type: ignore[arg-type]


def order(
    oid: str, minutes: int, *lines: tuple[str, int], status: OrderStatus = OrderStatus.PENDING
) -> Order:
    return Order(
        "outlet",
        oid,
        oid,
        T0 + timedelta(minutes=minutes),
        T0,
        status,
        "EUR",
        Customer("outlet", f"{oid}@example.com"),
        tuple(OrderLine(f"{oid}-{sku}", oid, f"v-{sku}", sku, sku, qty, EUR) for sku, qty in lines),
    )


PRODUCT = Product("outlet", "p1", "Games", T0)


def states(orders: list[Order], variants: list[Variant], today: date, **kw: str) -> dict[str, str]:
    found = awaiting_payment(
        orders, variants, [PRODUCT], settings=settings(**kw), shop="outlet", today=today
    )
    return {e.order.platform_id: e.state for e in found}


def test_only_pending_orders_of_pay_on_release_lines_wait_and_oldest_get_stock_first() -> None:
    orders = [
        order("b", 2, ("GAME-A", 1)),
        order("a", 1, ("GAME-A", 2), ("SOFA", 1)),
        order("paid", 0, ("GAME-A", 5), status=OrderStatus.OPEN),
        order("sofa-only", 3, ("SOFA", 1)),
    ]
    variants = [variant("GAME-A", 2), variant("SOFA", 0)]
    assert states(orders, variants, RELEASE - timedelta(days=1)) == {
        "a": "waits for the release on 2026-11-10",
        "b": "waits for the release on 2026-11-10",
    }
    assert states(orders, variants, RELEASE) == {
        "a": "released: its payment link is emailed to the customer (once)",
        "b": "released: waits for stock before its payment link is emailed",
    }
    [a, _b] = awaiting_payment(
        orders, variants, [PRODUCT], settings=settings(), shop="outlet", today=RELEASE
    )
    assert [line.sku for line in a.lines] == ["GAME-A"]  # the sofa line is not paid on release


def test_a_full_payment_policy_has_nothing_waiting_for_payment() -> None:
    assert (
        states([order("a", 1, ("GAME-A", 1))], [variant("GAME-A", 5)], RELEASE, payment="full")
        == {}
    )


def test_variations_selling_one_count_share_it() -> None:
    pool = {"stock_pool": "parent"}
    variants = [variant("GAME-RED", 1, **pool), variant("GAME-BLUE", 1, **pool)]
    orders = [order("a", 1, ("GAME-RED", 1)), order("b", 2, ("GAME-BLUE", 1))]
    shown = states(orders, variants, RELEASE)
    assert shown["a"].startswith("released: its payment link")
    assert shown["b"].startswith("released: waits for stock")


def test_uncounted_stock_in_stock_covers_every_order() -> None:
    free = variant("GAME-A", 0, tracked=False, untracked_status=StockStatus.IN_STOCK)
    orders = [order("a", 1, ("GAME-A", 3)), order("b", 2, ("GAME-A", 9))]
    assert all(
        s.startswith("released: its payment link") for s in states(orders, [free], RELEASE).values()
    )
