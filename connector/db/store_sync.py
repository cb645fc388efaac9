"""Sync bookkeeping: cursors per (shop, resource) and payloads that were skipped with their reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from connector.db import schema as t
from connector.db.store_base import StoreBase, insert_rows, upsert
from connector.model import SkippedPayload, utc

__all__ = ["SkippedRecord", "SyncStore"]


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A skipped payload and when it was skipped."""

    at: datetime
    item: SkippedPayload


class SyncStore(StoreBase):
    def get_cursor(self, shop: str, resource: str) -> str | None:
        """Where the last committed sync of ``resource`` ended (None: never synced)."""
        c = t.sync_cursors
        with self._conn() as conn:
            value = conn.execute(
                sa.select(c.c.value).where(c.c.shop == shop, c.c.resource == resource)
            ).scalar()
        return None if value is None else str(value)

    def set_cursor(self, shop: str, resource: str, value: str) -> None:
        """Save a cursor. Call it in the same transaction as the page it follows."""
        row = {"shop": shop, "resource": str(resource), "value": value, "updated_at": self.clock()}
        with self._conn() as conn:
            upsert(conn, t.sync_cursors, [row])

    def mark_first_sync(self, shop: str, at: datetime | None = None) -> datetime:
        """Record that the connector reads ``shop`` from now on, unless it already has; returns
        when it first did."""
        f = t.shop_first_syncs
        with self._conn() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            # Two daemons starting on one fresh database: the first one's moment stays.
            conn.execute(
                insert(f)
                .values(shop=shop, first_synced_at=at or self.clock())
                .on_conflict_do_nothing(index_elements=["shop"])
            )
            known = conn.execute(
                sa.select(f.c.first_synced_at).where(f.c.shop == shop)
            ).scalar_one()
        return utc(known)

    def first_synced_at(self, shop: str) -> datetime | None:
        """When the connector first read ``shop`` (None: never)."""
        f = t.shop_first_syncs
        with self._conn() as conn:
            known = conn.execute(sa.select(f.c.first_synced_at).where(f.c.shop == shop)).scalar()
        return None if known is None else utc(known)

    def cursors(self, shop: str) -> dict[str, str]:
        c = t.sync_cursors
        with self._conn() as conn:
            rows = conn.execute(sa.select(c.c.resource, c.c.value).where(c.c.shop == shop))
            return {str(resource): str(value) for resource, value in rows}

    def record_skipped(self, payload: SkippedPayload, at: datetime | None = None) -> None:
        """Keep a payload that could not be used, with its reason, so a person can look at it."""
        row = {
            "shop": payload.shop,
            "resource": payload.resource,
            "platform_id": payload.platform_id,
            "reason": payload.reason,
            "payload": payload.payload,
            "skipped_at": at or self.clock(),
        }
        with self._conn() as conn:
            insert_rows(conn, t.skipped_payloads, [row])

    def skipped(self, shop: str, since: datetime | None = None) -> list[SkippedPayload]:
        """Skipped payloads of ``shop``, oldest first."""
        return [record.item for record in self.skipped_log(shop, since)]

    def skipped_log(self, shop: str, since: datetime | None = None) -> list[SkippedRecord]:
        """Like :meth:`skipped`, with when each was skipped."""
        s = t.skipped_payloads
        query = sa.select(s).where(s.c.shop == shop)
        if since is not None:
            query = query.where(s.c.skipped_at >= since)
        with self._conn() as conn:
            rows = conn.execute(query.order_by(s.c.skipped_at, s.c.id)).mappings()
            return [
                SkippedRecord(
                    at=row["skipped_at"],
                    item=SkippedPayload(
                        shop=row["shop"],
                        resource=row["resource"],
                        platform_id=row["platform_id"],
                        reason=row["reason"],
                        payload=row["payload"],
                    ),
                )
                for row in rows
            ]
