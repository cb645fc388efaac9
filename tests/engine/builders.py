"""Small builders for engine tests, and ``apply_plan``: what the shop looks like after a plan ran."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from connector.engine import EngineState
from connector.engine.events import heads_up_told, news_owed
from connector.model import (
    ChangeKind,
    Customer,
    InventoryPolicy,
    Money,
    Order,
    OrderActionKind,
    OrderLine,
    OrderStatus,
    Plan,
    Platform,
    Product,
    PurchaseOrder,
    Shop,
    Variant,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SHOP = Shop(name="demo", platform=Platform.SHOPIFY, currency="EUR", locale="en")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def product(pid: str = "P1", **kw: object) -> Product:
    fields: dict[str, object] = {"title": f"Product {pid}", "updated_at": NOW}
    fields.update(kw)
    return Product(shop=SHOP.name, platform_id=pid, **fields)  # type: ignore[arg-type]


def variant(
    sku: str, available: int, pid: str = "P1", vid: str | None = None, **kw: object
) -> Variant:
    fields: dict[str, object] = {
        "title": sku,
        "price": Money(Decimal("100.00"), "EUR"),
        "updated_at": NOW,
        "available": available,
        "inventory_policy": InventoryPolicy.CONTINUE,
    }
    fields.update(kw)
    return Variant(
        shop=SHOP.name,
        platform_id=vid or f"V-{sku}",
        product_id=pid,
        sku=sku,
        **fields,  # type: ignore[arg-type]
    )


def line(lid: str, sku: str, qty: int, order_id: str = "", **kw: object) -> OrderLine:
    return OrderLine(
        platform_id=lid,
        order_id=order_id,
        variant_id=f"V-{sku}",
        sku=sku,
        title=f"Title {sku}",
        quantity=qty,
        price=Money(Decimal("100.00"), "EUR"),
        **kw,  # type: ignore[arg-type]
    )


def order(
    oid: str,
    created: datetime,
    *lines: OrderLine,
    email: str = "",
    tags: frozenset[str] = frozenset(),
    customer_tags: frozenset[str] = frozenset(),
    status: OrderStatus = OrderStatus.OPEN,
) -> Order:
    return Order(
        shop=SHOP.name,
        platform_id=oid,
        number=f"#{oid}",
        created_at=created,
        updated_at=created,
        status=status,
        currency="EUR",
        customer=Customer(
            shop=SHOP.name,
            email=email or f"{oid.lower()}@example.com",
            name=f"Customer {oid}",
            tags=customer_tags,
        ),
        lines=tuple(replace(item, order_id=oid) for item in lines),
        tags=tags,
    )


def po(pid: str, sku: str, qty: int, due: date | None, received: int = 0) -> PurchaseOrder:
    return PurchaseOrder(
        id=pid, shop=SHOP.name, sku=sku, quantity=qty, expected_date=due, received=received
    )


def state(**kw: object) -> EngineState:
    kw.setdefault("shop", SHOP)
    return EngineState(**kw)  # type: ignore[arg-type]


def apply_plan(current: EngineState, plan: Plan, now: datetime = NOW) -> EngineState:
    """The state as the next sync would read it once the plan's changes were written."""
    variants = {v.platform_id: v for v in current.variants}
    products = {p.platform_id: p for p in current.products}
    for change in plan.storefront:
        if change.kind is ChangeKind.INVENTORY_POLICY and change.variant_id and change.policy:
            target = variants[change.variant_id]
            variants[change.variant_id] = replace(target, inventory_policy=change.policy)
        elif change.kind is ChangeKind.ETA and change.variant_id:
            target = variants[change.variant_id]
            variants[change.variant_id] = replace(
                target, eta_label=change.eta_label, eta_date=change.eta_date
            )
        elif change.kind is ChangeKind.ADD_TAGS:
            prod = products[change.product_id]
            products[change.product_id] = replace(prod, tags=prod.tags | set(change.tags))
        elif change.kind is ChangeKind.REMOVE_TAGS:
            prod = products[change.product_id]
            products[change.product_id] = replace(prod, tags=prod.tags - set(change.tags))
    orders = {o.platform_id: o for o in current.orders}
    for action in plan.order_actions:
        target_order = orders[action.order_id]
        held = {line_id for line_id, _ in action.lines}
        if action.kind in (OrderActionKind.HOLD_LINES, OrderActionKind.RELEASE_HOLD):
            hold = action.kind is OrderActionKind.HOLD_LINES
            # A release naming no lines lifts every hold of ours on the order, as both adapters do.
            every = not hold and not action.lines
            new_lines = tuple(
                replace(item, on_hold=hold) if every or item.platform_id in held else item
                for item in target_order.lines
            )
            orders[action.order_id] = replace(target_order, lines=new_lines)
        elif action.kind is OrderActionKind.ADD_TAGS:
            orders[action.order_id] = replace(
                target_order, tags=target_order.tags | set(action.tags)
            )
        elif action.kind is OrderActionKind.REMOVE_TAGS:
            orders[action.order_id] = replace(
                target_order, tags=target_order.tags - set(action.tags)
            )
    contacted = dict(current.last_contacted)
    for notification in plan.notifications:
        contacted[notification.order_id] = now
    return replace(
        current,
        variants=tuple(variants.values()),
        products=tuple(products.values()),
        orders=tuple(orders.values()),
        previous_queue=plan.queue,
        last_contacted=contacted,
        heads_up=current.heads_up | heads_up_told(plan.events),
        news_owed=(current.news_owed - {n.order_id for n in plan.notifications})
        | news_owed(plan.events, contacted),
    )
