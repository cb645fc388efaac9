"""The state store keeps exactly what it was given, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connector.clock import FrozenClock
from connector.db import Database, open_database
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Customer,
    InventoryPolicy,
    Money,
    Order,
    OrderLine,
    OrderStatus,
    Platform,
    Product,
    PurchaseOrder,
    Shop,
    SkippedPayload,
    Variant,
)

T0 = datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=UTC)
BERLIN = timezone(timedelta(hours=1))


def product(pid: str = "gid://shopify/Product/1", **extra: object) -> Product:
    fields: dict[str, object] = {
        "shop": "acme",
        "platform_id": pid,
        "title": "Oslo Sofa",
        "updated_at": T0,
        "product_type": "Sofa",
        "vendor": "Nordic",
        "status": "active",
        "tags": frozenset({"backorder", "Größe L", "sofa"}),
        "collections": ("living-room", "new"),
        "handle": "oslo-sofa",
    }
    fields.update(extra)
    return Product(**fields)  # type: ignore[arg-type]


def variant(vid: str = "gid://shopify/ProductVariant/11", **extra: object) -> Variant:
    fields: dict[str, object] = {
        "shop": "acme",
        "platform_id": vid,
        "product_id": "gid://shopify/Product/1",
        "sku": "SOFA-OSLO-GRY",
        "title": "Grey",
        "price": Money(Decimal("1299.90"), "EUR"),
        "updated_at": T0,
        "tracked": True,
        "available": -3,
        "committed": 5,
        "incoming": 10,
        "inventory_policy": InventoryPolicy.CONTINUE,
        "tags": frozenset({"VIP-only"}),
        "release_date": date(2027, 3, 1),
        "eta_label": "Ships in March",
        "eta_date": date(2027, 3, 15),
        "inventory_item_id": "gid://shopify/InventoryItem/7",
    }
    fields.update(extra)
    return Variant(**fields)  # type: ignore[arg-type]


def order(oid: str = "gid://shopify/Order/100", **extra: object) -> Order:
    lines = (
        OrderLine(
            platform_id="gid://shopify/LineItem/1",
            order_id=oid,
            variant_id="gid://shopify/ProductVariant/11",
            sku="SOFA-OSLO-GRY",
            title="Oslo Sofa - Grey",
            quantity=2,
            price=Money(Decimal("1299.90"), "EUR"),
            fulfilled=0,
            cancelled=1,
            backordered_at_order=2,
            preorder=False,
            selling_plan=None,
            on_hold=True,
        ),
        OrderLine(
            platform_id="gid://shopify/LineItem/2",
            order_id=oid,
            variant_id=None,
            sku="",
            title="Gift wrap",
            quantity=1,
            price=Money(Decimal("0.10"), "EUR"),
            preorder=True,
            selling_plan="gid://shopify/SellingPlan/3",
        ),
    )
    fields: dict[str, object] = {
        "shop": "acme",
        "platform_id": oid,
        "number": "#1001",
        "created_at": datetime(2026, 10, 30, 23, 59, 59, tzinfo=BERLIN),
        "updated_at": T0,
        "status": OrderStatus.OPEN,
        "currency": "EUR",
        "customer": Customer(
            shop="acme",
            email="ana@example.com",
            name="Ana Núñez",
            locale="es",
            tags=frozenset({"VIP"}),
            platform_id="gid://shopify/Customer/9",
        ),
        "lines": lines,
        "locale": "es-ES",
        "tags": frozenset({"backorder"}),
        "cancelled_at": None,
        "note": "Leave at the door",
    }
    fields.update(extra)
    return Order(**fields)  # type: ignore[arg-type]


# -- round trips ------------------------------------------------------------------------------------


def test_shops_round_trip(db: Database) -> None:
    shop = Shop("acme", Platform.SHOPIFY, "EUR", "de", "Europe/Berlin", "acme.myshopify.com")
    db.upsert_shop(shop)
    db.upsert_shop(shop)

    assert db.shops() == [shop]


def test_products_and_variants_round_trip_exactly(db: Database) -> None:
    db.upsert_products([product()])
    db.upsert_variants(
        [
            variant(),
            variant(
                "gid://shopify/ProductVariant/12",
                sku="",
                tags=frozenset(),
                release_date=None,
                eta_label=None,
                eta_date=None,
                tracked=False,
            ),
        ]
    )

    assert db.products("acme") == [product()]
    stored = db.variants("acme")
    assert stored[0] == variant()
    assert stored[0].price.amount.as_tuple() == Decimal("1299.90").as_tuple()  # not 1299.9
    assert stored[0].updated_at.tzinfo is not None and stored[
        0
    ].updated_at.utcoffset() == timedelta(0)
    assert stored[1].tracked is False and stored[1].release_date is None
    assert db.variant_by_sku("acme", "SOFA-OSLO-GRY") == variant()
    assert db.variant_by_sku("acme", "NOPE") is None
    assert db.product("acme", "gid://shopify/Product/1") == product()


def test_orders_round_trip_with_lines_and_customer(db: Database) -> None:
    db.upsert_orders([order()])

    stored = db.order("acme", "gid://shopify/Order/100")
    assert stored == order()
    assert stored is not None and stored.created_at.tzinfo == UTC
    assert stored.created_at == datetime(2026, 10, 30, 22, 59, 59, tzinfo=UTC)
    assert db.order("acme", "1001") == order()
    assert db.order("acme", "#1001") == order()
    assert db.order("other-shop", "#1001") is None
    assert db.customer("acme", "ana@example.com") == order().customer


def test_an_order_upsert_replaces_its_lines(db: Database) -> None:
    db.upsert_orders([order()])
    edited = order(lines=order().lines[:1], updated_at=T0 + timedelta(minutes=5))

    db.upsert_orders([edited, edited])

    assert db.orders("acme") == [edited]


def test_a_stale_copy_never_overwrites_newer_state(db: Database) -> None:
    newer = T0 + timedelta(hours=1)
    db.upsert_orders([order(updated_at=newer, status=OrderStatus.CANCELLED)])
    db.upsert_variants([variant(updated_at=newer, available=7)])

    written = db.upsert_orders([order()])
    db.upsert_variants([variant()])

    assert written == 0
    assert [o.status for o in db.orders("acme")] == [OrderStatus.CANCELLED]
    assert [v.available for v in db.variants("acme")] == [7]


def test_one_upsert_of_several_shops_keeps_each_shops_orders_apart(db: Database) -> None:
    # WooCommerce ids repeat across shops: order 100 of one shop is not order 100 of another.
    newer = T0 + timedelta(hours=1)
    db.upsert_orders([order(), order(shop="outlet", updated_at=newer)])
    one_line = order().lines[:1]

    written = db.upsert_orders(
        [order(lines=one_line, updated_at=newer), order(shop="outlet", lines=one_line)]
    )

    assert written == 1  # outlet's copy is older than what it holds
    assert [len(o.lines) for o in db.orders("acme")] == [1]
    assert [len(o.lines) for o in db.orders("outlet")] == [2]


def test_orders_filter_by_status_and_since(db: Database) -> None:
    db.upsert_orders(
        [
            order("o1", status=OrderStatus.OPEN),
            order("o2", status=OrderStatus.CLOSED, number="#1002"),
            order("o3", status=OrderStatus.OPEN, number="#1003", updated_at=T0 + timedelta(days=1)),
        ]
    )

    open_ids = [o.platform_id for o in db.orders("acme", statuses=[OrderStatus.OPEN])]
    recent = [o.platform_id for o in db.orders("acme", since=T0 + timedelta(hours=1))]

    assert open_ids == ["o1", "o3"]
    assert recent == ["o3"]


def test_deleting_products_removes_their_variants(db: Database) -> None:
    db.upsert_products([product(), product("gid://shopify/Product/2")])
    db.upsert_variants([variant(), variant("v2", product_id="gid://shopify/Product/2")])

    removed = db.delete_products("acme", ["gid://shopify/Product/1"])

    assert removed == 1
    assert [p.platform_id for p in db.products("acme")] == ["gid://shopify/Product/2"]
    assert [v.platform_id for v in db.variants("acme")] == ["v2"]


def test_cursors_are_per_shop_and_resource(db: Database, clock: FrozenClock) -> None:
    assert db.get_cursor("acme", "orders") is None
    db.set_cursor("acme", "orders", "2026-11-01T00:00:00Z")
    db.set_cursor("acme", "orders", "2026-11-02T00:00:00Z")
    db.set_cursor("outlet", "orders", "page-7")

    assert db.get_cursor("acme", "orders") == "2026-11-02T00:00:00Z"
    assert db.get_cursor("acme", "products") is None
    assert db.cursors("outlet") == {"orders": "page-7"}


def test_a_failed_page_commits_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.upsert_orders([order()])
        tx.set_cursor("acme", "orders", "after-page-1")
        raise RuntimeError("the adapter failed half way")

    assert db.orders("acme") == []
    assert db.get_cursor("acme", "orders") is None


def test_a_page_commits_together(db: Database) -> None:
    with db.transaction() as tx:
        tx.upsert_products([product()])
        tx.upsert_variants([variant()])
        tx.set_cursor("acme", "products", "c1")
        assert tx.get_cursor("acme", "products") == "c1"

    assert db.get_cursor("acme", "products") == "c1" and len(db.variants("acme")) == 1


def test_skipped_payloads_keep_reason_payload_and_time(db: Database, clock: FrozenClock) -> None:
    item = SkippedPayload("acme", "orders", "gid://shopify/Order/5", "no line items", '{"id": 5}')
    db.record_skipped(item)

    assert db.skipped("acme") == [item]
    assert db.skipped("acme")[0].payload == '{"id": 5}'
    assert [r.at for r in db.skipped_log("acme")] == [clock()]
    assert db.skipped("outlet") == []


def test_backorder_history_is_appended_and_filtered(db: Database) -> None:
    events = [
        BackorderEvent(
            "acme",
            T0,
            BackorderEventKind.DETECTED,
            "SOFA-1",
            2,
            "o1",
            "l1",
            "ana@example.com",
            None,
            None,
            "short by 2",
        ),
        BackorderEvent(
            "acme",
            T0,
            BackorderEventKind.ETA_SET,
            "SOFA-1",
            2,
            "o1",
            "l1",
            "ana@example.com",
            date(2027, 1, 10),
            None,
        ),
        BackorderEvent(
            "acme",
            T0 + timedelta(days=3),
            BackorderEventKind.DELAYED,
            "SOFA-1",
            2,
            "o1",
            "l1",
            "ana@example.com",
            date(2027, 2, 1),
            date(2027, 1, 10),
        ),
        BackorderEvent(
            "acme", T0 + timedelta(days=1), BackorderEventKind.DETECTED, "LAMP-2", 1, "o2", "l9"
        ),
    ]
    assert db.append_events(events[:2]) == 2
    assert db.append_events(events[2:]) == 2
    # The very same event again (a second plan of the same state, a rerun) is not a new story.
    assert db.append_events(events[:1]) == 0
    assert db.append_events([events[1], events[1]]) == 0

    assert db.events("acme") == [events[0], events[1], events[3], events[2]]
    assert db.events("acme", sku="LAMP-2") == [events[3]]
    assert db.events("acme", order_id="o1", since=T0 + timedelta(days=1)) == [events[2]]


def test_queue_replacement_whole_or_per_sku(db: Database) -> None:
    def entry(sku: str, line: str, position: int) -> BackorderEntry:
        return BackorderEntry(
            "acme",
            sku,
            "o1",
            line,
            "ana@example.com",
            T0,
            2,
            1,
            position,
            5,
            True,
            date(2027, 1, 2),
            "waiting for PO-1",
        )

    db.replace_queue("acme", [entry("A", "l2", 1), entry("A", "l1", 0), entry("B", "l3", 0)])
    assert db.queue("acme") == [entry("A", "l1", 0), entry("A", "l2", 1), entry("B", "l3", 0)]

    db.replace_queue("acme", [entry("A", "l2", 0)], skus=["A"])
    assert db.queue("acme") == [entry("A", "l2", 0), entry("B", "l3", 0)]
    assert db.queue("acme", sku="B") == [entry("B", "l3", 0)]

    db.replace_queue("acme", [])
    assert db.queue("acme") == []


def test_purchase_orders_round_trip_and_receive(db: Database) -> None:
    early = PurchaseOrder("PO-1", "acme", "SOFA-1", 10, date(2027, 1, 5), "Nordic", 0, T0, "ref-1")
    late = PurchaseOrder("PO-2", "acme", "SOFA-1", 4, date(2027, 2, 5))
    undated = PurchaseOrder("PO-3", "acme", "LAMP-2", 3, None)
    for po in (undated, late, early):
        db.add_purchase_order(po)

    assert db.purchase_orders("acme") == [early, late, undated]
    assert db.purchase_orders("acme", sku="LAMP-2") == [undated]

    db.receive_purchase_order("acme", "PO-1", 6)
    done = db.receive_purchase_order("acme", "PO-1", 4)

    assert done.received == 10 and done.outstanding == 0
    assert db.purchase_orders("acme", sku="SOFA-1") == [late]
    assert [po.id for po in db.purchase_orders("acme", open_only=False)] == ["PO-1", "PO-2", "PO-3"]
    with pytest.raises(KeyError):
        db.receive_purchase_order("acme", "PO-404", 1)


def test_open_supply_for_a_sku_no_variant_has_is_listed(db: Database) -> None:
    # Issue 13: a PO for an unknown SKU was accepted silently (a typo, or not synced yet).
    db.upsert_variants([variant(sku="SOFA-OSLO-GRY")])
    known = PurchaseOrder("PO-1", "acme", "SOFA-OSLO-GRY", 10, date(2027, 1, 5))
    typo = PurchaseOrder("PO-2", "acme", "SOFA-OSLO-GRAY", 4, date(2027, 2, 5))
    done = PurchaseOrder("PO-3", "acme", "LAMP-9", 3, None, received=3)
    other_shop = PurchaseOrder("PO-4", "beta", "SOFA-OSLO-GRY", 1, None)
    for po in (known, typo, done, other_shop):
        db.add_purchase_order(po)
    assert db.purchase_orders_for_unknown_skus("acme") == [typo]
    assert db.purchase_orders_for_unknown_skus("beta") == [other_shop]


@pytest.mark.postgres
def test_every_run_of_a_statement_is_planned_for_the_tables_as_they_are(
    pg_schema_url: str,
) -> None:
    """PostgreSQL: psycopg prepares a statement after 5 runs and the server may keep one generic
    plan, made while the tables were empty; a first sync's upserts then scanned whole tables as
    they grew (quadratic: 500k orders would take hours). Each connection plans every run."""
    db = open_database(pg_schema_url)
    try:
        for _ in range(3):  # a fresh connection and the pooled ones alike
            with db.engine.connect() as conn:
                mode = conn.exec_driver_sql("SHOW plan_cache_mode").scalar()
                assert mode == "force_custom_plan"
    finally:
        db.close()
