"""The money tables (migration range 400-409), declared on the shared ``metadata``.

``money_operations`` is the ledger of every money call the connector makes (a capture, an
invoice), one row per operation key, written **before** the call (``intent``) and after it
(``done``, ``failed`` or ``unknown``): a process killed in between finds the intent on restart
and reads the platform before anything is sent again. ``money_watch`` is the latest picture of
the authorizations at risk, per shop, for ``backorders``, ``report``, ``status`` and the digest.
"""

from __future__ import annotations

import sqlalchemy as sa

from connector.db.schema import metadata
from connector.db.types import UTCDateTime

__all__ = [
    "money_authorizations",
    "money_checks",
    "money_operations",
    "money_orders",
    "money_watch",
]

money_operations = sa.Table(
    "money_operations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("shop", sa.String(200), nullable=False),
    sa.Column("key", sa.String(400), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("order_id", sa.String(200), nullable=False),
    sa.Column("transaction_id", sa.String(200), nullable=False),
    # Decimal text: exact on every database.
    sa.Column("amount", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("captured_before", sa.String(40), nullable=False, server_default="0"),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("shop", "key", name="uq_money_operation"),
)

money_watch = sa.Table(
    "money_watch",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("transaction_id", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(200), nullable=False),
    sa.Column("order_number", sa.String(100), nullable=False, server_default=""),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("act_at", UTCDateTime, nullable=False),
    sa.Column("eta", sa.String(10), nullable=False, server_default=""),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("amount", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

money_checks = sa.Table(
    "money_checks",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("checked_at", UTCDateTime, nullable=False),
)
"""When each shop's authorizations were last read: at most every ``check_every_minutes``."""

money_orders = sa.Table(
    "money_orders",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(200), primary_key=True),
    sa.Column("financial_status", sa.String(40), nullable=False, server_default=""),
    sa.Column("currency", sa.String(3), nullable=False),
    # Decimal text, "" when the platform showed none.
    sa.Column("received", sa.String(40), nullable=False, server_default=""),
    sa.Column("refunded", sa.String(40), nullable=False, server_default=""),
    sa.Column("shipping", sa.String(40), nullable=False, server_default=""),
    sa.Column("waiting_value", sa.String(40), nullable=False, server_default=""),
    sa.Column("read_at", UTCDateTime, nullable=False),
)
"""Each waiting order's money as the last read saw it (migration 406): ``connector order N``."""

money_authorizations = sa.Table(
    "money_authorizations",
    metadata,
    sa.Column("shop", sa.String(200), primary_key=True),
    sa.Column("transaction_id", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(200), nullable=False, index=True),
    sa.Column("amount", sa.String(40), nullable=False),
    sa.Column("capturable", sa.String(40), nullable=False),
    sa.Column("captured", sa.String(40), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("multi_capturable", sa.Boolean, nullable=False, server_default=sa.false()),
)
"""The authorizations of the orders in ``money_orders``, as the same read saw them."""
