"""The one SQLAlchemy ``MetaData`` every table of the state database is declared on, and the core tables.

Other owners declare their own tables on :data:`metadata` and create them in their own migrations
(see :mod:`connector.db.migrations`). The core tables are built by :func:`build_core_tables`, which
knows the schema version each column arrived in, so migration ``m0001`` can create exactly the
version-1 shape and later migrations alter it, while the module-level tables below are always the
newest shape. Never change a column that already shipped: add one (with its version) and a migration.

Every row is keyed by the shop name plus the platform's opaque id.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from connector.db.types import DecimalText, StringList, StringSet, UTCDateTime

__all__ = [
    "CORE_VERSION",
    "CoreTables",
    "backorder_events",
    "backorder_queue",
    "build_core_tables",
    "customers",
    "metadata",
    "order_lines",
    "orders",
    "products",
    "purchase_orders",
    "shops",
    "skipped_payloads",
    "sync_cursors",
    "variants",
]

metadata = sa.MetaData()

CORE_VERSION = 7
"""The newest core schema version (migrations 1-99 belong to the core)."""

_ID = 255  # platform ids: Shopify GIDs are ~50 chars; leave room


@dataclass(frozen=True, slots=True)
class CoreTables:
    shops: sa.Table
    products: sa.Table
    variants: sa.Table
    customers: sa.Table
    orders: sa.Table
    order_lines: sa.Table
    purchase_orders: sa.Table
    sync_cursors: sa.Table
    backorder_queue: sa.Table
    backorder_events: sa.Table
    skipped_payloads: sa.Table

    def all(self) -> tuple[sa.Table, ...]:
        return (
            self.shops,
            self.products,
            self.variants,
            self.customers,
            self.orders,
            self.order_lines,
            self.purchase_orders,
            self.sync_cursors,
            self.backorder_queue,
            self.backorder_events,
            self.skipped_payloads,
        )


def _key(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(_ID), primary_key=True)


def _text(name: str, nullable: bool = False) -> sa.Column[str]:
    if nullable:
        return sa.Column(name, sa.Text, nullable=True)
    return sa.Column(name, sa.Text, nullable=False, server_default="")


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    if nullable:
        return sa.Column(name, sa.Integer, nullable=True)
    return sa.Column(name, sa.Integer, nullable=False, server_default="0")


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean, nullable=False, server_default=sa.false())


def build_core_tables(md: sa.MetaData, version: int = CORE_VERSION) -> CoreTables:
    """Declare the core tables on ``md`` as they were at schema ``version``."""
    variant_extra: list[sa.Column[str]] = []
    po_extra: list[sa.Column[str]] = []
    if version >= 6:
        # v6: the owner's words for the customer when this supply is late (never a PO id).
        po_extra.append(_text("reason"))
    if version >= 2:
        # v2: Shopify writes inventory through the inventory item, not the variant.
        variant_extra.append(
            sa.Column("inventory_item_id", sa.String(_ID), nullable=False, server_default="")
        )
    if version >= 4:
        # v4: what an untracked variant's owner set by hand (in stock, on backorder, out of stock).
        variant_extra.append(
            sa.Column("untracked_status", sa.String(32), nullable=False, server_default="in_stock")
        )
    if version >= 5:
        # v5: the stock count a variant shares with others (a parent's), "" for its own.
        variant_extra.append(
            sa.Column("stock_pool", sa.String(_ID), nullable=False, server_default="")
        )
    line_extra: list[sa.Column[object]] = []
    if version >= 3:
        # v3: the money the shop recorded as refunded per line (never a price times units).
        line_extra.append(sa.Column("refunded", DecimalText, nullable=True))
    return CoreTables(
        shops=sa.Table(
            "shops",
            md,
            sa.Column("name", sa.String(_ID), primary_key=True),
            sa.Column("platform", sa.String(32), nullable=False),
            _text("currency"),
            _text("locale"),
            _text("timezone"),
            _text("domain"),
        ),
        products=sa.Table(
            "products",
            md,
            _key("shop"),
            _key("platform_id"),
            _text("title"),
            sa.Column("updated_at", UTCDateTime, nullable=False),
            _text("product_type"),
            _text("vendor"),
            _text("status"),
            sa.Column("tags", StringSet, nullable=False),
            sa.Column("collections", StringList, nullable=False),
            _text("handle"),
        ),
        variants=sa.Table(
            "variants",
            md,
            _key("shop"),
            _key("platform_id"),
            sa.Column("product_id", sa.String(_ID), nullable=False),
            sa.Column("sku", sa.String(_ID), nullable=False, server_default=""),
            _text("title"),
            sa.Column("price", DecimalText, nullable=False),
            sa.Column("currency", sa.String(3), nullable=False),
            sa.Column("updated_at", UTCDateTime, nullable=False),
            _flag("tracked"),
            _int("available"),
            _int("committed"),
            _int("incoming"),
            sa.Column("inventory_policy", sa.String(16), nullable=False),
            sa.Column("tags", StringSet, nullable=False),
            sa.Column("release_date", sa.Date, nullable=True),
            _text("eta_label", nullable=True),
            sa.Column("eta_date", sa.Date, nullable=True),
            *variant_extra,
            sa.Index("ix_variants_sku", "shop", "sku"),
            sa.Index("ix_variants_product", "shop", "product_id"),
        ),
        customers=sa.Table(
            "customers",
            md,
            _key("shop"),
            _key("email"),
            _text("name"),
            _text("locale", nullable=True),
            sa.Column("tags", StringSet, nullable=False),
            sa.Column("platform_id", sa.String(_ID), nullable=True),
        ),
        orders=sa.Table(
            "orders",
            md,
            _key("shop"),
            _key("platform_id"),
            sa.Column("number", sa.String(_ID), nullable=False),
            sa.Column("created_at", UTCDateTime, nullable=False),
            sa.Column("updated_at", UTCDateTime, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("currency", sa.String(3), nullable=False),
            # The customer as this order saw them; the customers table keeps the newest view.
            sa.Column("customer_email", sa.String(_ID), nullable=False),
            _text("customer_name"),
            _text("customer_locale", nullable=True),
            sa.Column("customer_tags", StringSet, nullable=False),
            sa.Column("customer_platform_id", sa.String(_ID), nullable=True),
            _text("locale", nullable=True),
            sa.Column("tags", StringSet, nullable=False),
            sa.Column("cancelled_at", UTCDateTime, nullable=True),
            _text("note"),
            sa.Index("ix_orders_number", "shop", "number"),
            sa.Index("ix_orders_status", "shop", "status", "updated_at"),
        ),
        # No foreign key to orders: the store writes an order and its lines together and replaces
        # them together; on PostgreSQL the per-row FK check made bulk order upserts 4x slower.
        order_lines=sa.Table(
            "order_lines",
            md,
            _key("shop"),
            _key("order_id"),
            _key("platform_id"),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("variant_id", sa.String(_ID), nullable=True),
            sa.Column("sku", sa.String(_ID), nullable=False, server_default=""),
            _text("title"),
            _int("quantity"),
            sa.Column("price", DecimalText, nullable=False),
            sa.Column("currency", sa.String(3), nullable=False),
            _int("fulfilled"),
            _int("cancelled"),
            _int("backordered_at_order", nullable=True),
            _flag("preorder"),
            _text("selling_plan", nullable=True),
            _flag("on_hold"),
            *line_extra,
            sa.Index("ix_order_lines_sku", "shop", "sku"),
        ),
        purchase_orders=sa.Table(
            "purchase_orders",
            md,
            _key("shop"),
            _key("id"),
            sa.Column("sku", sa.String(_ID), nullable=False),
            _int("quantity"),
            sa.Column("expected_date", sa.Date, nullable=True),
            _text("supplier"),
            _int("received"),
            sa.Column("created_at", UTCDateTime, nullable=True),
            _text("reference"),
            *po_extra,
            sa.Index("ix_purchase_orders_sku", "shop", "sku"),
        ),
        sync_cursors=sa.Table(
            "sync_cursors",
            md,
            _key("shop"),
            _key("resource"),
            sa.Column("value", sa.Text, nullable=False),
            sa.Column("updated_at", UTCDateTime, nullable=False),
        ),
        backorder_queue=sa.Table(
            "backorder_queue",
            md,
            _key("shop"),
            _key("sku"),
            _key("order_id"),
            _key("line_id"),
            sa.Column("customer_email", sa.String(_ID), nullable=False),
            sa.Column("ordered_at", UTCDateTime, nullable=False),
            _int("waiting"),
            _int("allocated"),
            _int("position"),
            _int("priority"),
            _flag("preorder"),
            sa.Column("eta", sa.Date, nullable=True),
            _text("reason"),
        ),
        backorder_events=sa.Table(
            "backorder_events",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("shop", sa.String(_ID), nullable=False),
            sa.Column("at", UTCDateTime, nullable=False),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("sku", sa.String(_ID), nullable=False),
            _int("quantity"),
            sa.Column("order_id", sa.String(_ID), nullable=False, server_default=""),
            sa.Column("line_id", sa.String(_ID), nullable=False, server_default=""),
            sa.Column("customer_email", sa.String(_ID), nullable=False, server_default=""),
            sa.Column("eta", sa.Date, nullable=True),
            sa.Column("old_eta", sa.Date, nullable=True),
            _text("detail"),
            sa.Index("ix_backorder_events_at", "shop", "at"),
            sa.Index("ix_backorder_events_sku", "shop", "sku"),
            sa.Index("ix_backorder_events_order", "shop", "order_id"),
        ),
        skipped_payloads=sa.Table(
            "skipped_payloads",
            md,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("shop", sa.String(_ID), nullable=False),
            sa.Column("resource", sa.String(64), nullable=False),
            sa.Column("platform_id", sa.String(_ID), nullable=False),
            _text("reason"),
            _text("payload"),
            sa.Column("skipped_at", UTCDateTime, nullable=False),
            sa.Index("ix_skipped_payloads_shop", "shop", "skipped_at"),
        ),
    )


_core = build_core_tables(metadata)
shops = _core.shops
products = _core.products
variants = _core.variants
customers = _core.customers
orders = _core.orders
order_lines = _core.order_lines
purchase_orders = _core.purchase_orders
sync_cursors = _core.sync_cursors
backorder_queue = _core.backorder_queue
backorder_events = _core.backorder_events
skipped_payloads = _core.skipped_payloads

shop_first_syncs = sa.Table(
    "shop_first_syncs",
    metadata,
    sa.Column("shop", sa.String(_ID), primary_key=True),
    sa.Column("first_synced_at", UTCDateTime, nullable=False),
)
"""When the connector first read each shop (schema v7): orders placed before it are the shop's
existing orders, confirmed only with ``notify_existing`` (docs/emails.md)."""
