"""What the console's pages show, read through the same functions as the CLI.

Nothing here queries a table the CLI reads differently: the overview is ``connector status``
(:func:`~connector.status.shop_status`), an order is ``connector order N``
(:func:`~connector.status.order_story`), and a resync is queued as ``connector resync --order``
queues one while a daemon holds the shop (:func:`~connector.resync_queue.enqueue_resync`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from connector.clock import Clock
from connector.db.store import StateStore
from connector.errors import UsageError
from connector.model import Plan, PurchaseOrder
from connector.platform import ResyncTarget
from connector.purchase_orders import (
    Added,
    add_purchase_order,
    receive_purchase_order,
    unknown_sku_warning,
)
from connector.resync_queue import enqueue_resync, request_states
from connector.settings import Settings, ShopSettings
from connector.shop_views import PlanView, ShopView, ShopViews
from connector.status import OrderStory, order_story, shop_status, status_fields
from connector.web.console import audit
from connector.web.console.trends import overview_charts

__all__ = ["ConsoleData", "Found"]

T = TypeVar("T")

RESYNC = "resync"


@dataclass(frozen=True, slots=True)
class Found:
    """One order a lookup found."""

    shop: str
    order_id: str
    number: str
    customer: str
    placed: Any
    status: str


class ConsoleData:
    """The console's reads and its one write to the connector (a queued resync)."""

    def __init__(
        self,
        *,
        store: StateStore,
        engine: sa.Engine,
        outbox: Any,
        settings: Settings,
        clock: Clock,
        lease_clock: Clock,
        views: ShopViews | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.outbox = outbox
        self.settings = settings
        self.shops: dict[str, ShopSettings] = {shop.name: shop for shop in settings.shops}
        self.clock = clock
        self.lease_clock = lease_clock
        self.views = views
        """The daemon's last plan, report and suggestions per shop (None: work them out here)."""
        self._derived: dict[tuple[str, str], tuple[PlanView, Any]] = {}

    def view(self, shop: str) -> ShopView | None:
        """What the daemon's warm cycles last worked out for ``shop`` (None before the first)."""
        return self.views.get(shop) if self.views is not None else None

    def supply_changed(self, shop: str) -> None:
        """A purchase order was added or received here: the daemon's suggestions no longer hold,
        so the reorder page works them out at the request until its next cycle does again."""
        if self.views is not None and self.views.get(shop) is not None:
            self.views.publish(shop, reorder=None, reorder_at=None)

    def of_plan(self, shop: str, made: PlanView, name: str, work: Callable[[Plan], T]) -> T:
        """``work(plan)`` for the daemon's plan ``made``, worked out once per plan: a first plan's
        200,000 events and queue lines take 0.1-0.4 s to go through, at each request else."""
        known = self._derived.get((shop, name))
        if known is not None and known[0] is made:
            result: T = known[1]
            return result
        result = work(made.plan)
        self._derived[(shop, name)] = (made, result)  # the view kept: its id is not reused
        return result

    def queue_totals(self, shop: str) -> tuple[int, int, int] | None:
        """(lines, units, SKUs) of the queue the daemon's last cycle saved, from its plan (None
        before its first warm cycle: counted by the database). A warm cycle's plan holds the
        shop's whole queue, and only a cycle writes the queue."""
        view = self.view(shop)
        if view is None or view.plan is None:
            return None

        def count(plan: Plan) -> tuple[int, int, int]:
            queue = plan.queue
            return len(queue), sum(e.waiting for e in queue), len({e.sku for e in queue})

        return self.of_plan(shop, view.plan, "queue totals", count)

    def overview(self) -> list[dict[str, Any]]:
        """``connector status``, one entry per shop, with the report's last days as charts."""
        now, lease_now = self.clock(), self.lease_clock()
        rows = []
        for shop in self.shops.values():
            status = shop_status(
                self.engine,
                self.store,
                self.outbox,
                shop=shop.name,
                platform=shop.platform.value,
                now=now,
                lease_now=lease_now,
                queue_totals=self.queue_totals(shop.name),
            )
            rows.append(
                {
                    "shop": shop.name,
                    "enabled": shop.enabled,
                    "platform": status.platform,
                    "fields": status_fields(status),
                    "errors": [*status.last_errors, *status.last_write_failures],
                    "charts": overview_charts(self.engine, shop.name, shop.currency, now),
                }
            )
        return rows

    def lookup(self, query: str) -> list[Found]:
        """Orders by number (or platform id) in every shop, or every order of a customer's email."""
        query = query.strip()
        if not query:
            return []
        if "@" in query:
            orders = [o for shop in self.shops for o in self.store.orders_by_email(shop, query)]
        else:
            orders = [
                order for shop in self.shops if (order := self.store.order(shop, query)) is not None
            ]
        return [
            Found(
                o.shop,
                o.platform_id,
                o.number,
                f"{o.customer.name} <{o.customer.email}>",
                o.created_at,
                o.status.value,
            )
            for o in orders
        ]

    def story(self, shop: str, order_id: str) -> OrderStory | None:
        """``connector order N`` for one order of a configured shop."""
        if shop not in self.shops:
            return None
        return order_story(self.store, self.outbox, shop, order_id)

    def money(self, story: OrderStory) -> Any:
        """The order's money, as ``connector order N`` shows it (:mod:`connector.payments_order`)."""
        from connector.payments_order import order_money_view

        order = story.order
        return order_money_view(
            self.engine,
            self.settings,
            story.shop,
            order=order,
            queue=story.queue,
            line_name={line.platform_id: story.line_name(line.platform_id) for line in order.lines},
            emails=story.emails,
            store=self.store,
            now=self.clock(),
        )

    def resyncs(self, shop: str, order_id: str) -> list[dict[str, Any]]:
        """The console's resyncs of an order, newest first, each with where its request stands."""
        asked = audit.entries(self.engine, shop=shop, target=order_id, action=RESYNC, limit=10)
        ids = [int(entry.reference) for entry in asked if entry.reference.isdigit()]
        states = request_states(self.engine, ids)
        shown = []
        for entry in asked:
            state = states.get(int(entry.reference)) if entry.reference.isdigit() else None
            shown.append(
                {
                    "at": entry.at,
                    "user": entry.user,
                    "state": state.state if state else "done",
                    "done_at": state.done_at if state else None,
                    "error": state.last_error if state else "",
                }
            )
        return shown

    def queue_resync(
        self, story: OrderStory, *, user: str, role: str, address: str, session: str
    ) -> int:
        """Queue a resync of the order, as ``connector resync --order`` does when a daemon holds
        the shop, and record who asked in the same transaction; returns the request id."""
        now = self.clock()
        target = ResyncTarget(order_ids=(story.order.platform_id,))
        with self.engine.begin() as conn:
            request = enqueue_resync(conn, story.shop, target, source=f"console:{user}", now=now)
            audit.record(
                conn,
                at=now,
                user=user,
                role=role,
                address=address,
                action=RESYNC,
                shop=story.shop,
                target=story.order.platform_id,
                reference=str(request),
                detail=f"order {story.order.number}",
                session=session,
            )
        return request

    def sku_queue(self, sku: str) -> list[dict[str, Any]]:
        """A SKU's queue in each shop as the last cycle stored it (what an order's page shows),
        with each line's order number, and the open purchase orders it is served from."""
        shown = []
        for shop in self.shops:
            entries = self.store.queue(shop, sku)
            supply = self.store.purchase_orders(shop, sku=sku)
            if not entries and not supply:
                continue
            numbers = {}
            for order_id in {entry.order_id for entry in entries}:
                order = self.store.order(shop, order_id)
                numbers[order_id] = order.number if order else order_id
            shown.append({"shop": shop, "entries": entries, "numbers": numbers, "supply": supply})
        return shown

    def sku_warning(self, shop: str, sku: str) -> str | None:
        return unknown_sku_warning(self.store, shop, sku) if shop in self.shops else None

    def add_po(self, shop: str, fields: dict[str, str], **who: str) -> Added:
        """``connector po add`` from the form (UsageError with the CLI's message), audited."""
        try:
            quantity = int(fields.get("quantity", "").strip())
        except ValueError:
            raise UsageError("the quantity must be a whole number of at least 1") from None
        now = self.clock()
        added = add_purchase_order(
            self.store,
            self.settings,
            shop,
            sku=fields.get("sku", ""),
            quantity=quantity,
            expected=fields.get("expected", "").strip() or None,
            now=now,
            supplier=fields.get("supplier", "").strip(),
            reference=fields.get("reference", "").strip(),
            reason=fields.get("reason", ""),
            expected_label="expected date",
        )
        self.supply_changed(shop)
        with self.engine.begin() as conn:
            audit.record(
                conn,
                at=now,
                action="po add",
                shop=shop,
                target=added.po.id,
                reference=added.po.id,
                detail=added.summary,
                **who,
            )
        return added

    def receive_po(
        self, shop: str, po_id: str, quantity: str, more_than_ordered: bool, **who: str
    ) -> PurchaseOrder:
        """``connector po receive`` from the form (UsageError with the CLI's message), audited."""
        try:
            units = int(quantity.strip())
        except ValueError:
            raise UsageError("the units received must be a whole number of at least 1") from None
        po = receive_purchase_order(
            self.store,
            shop,
            po_id,
            units,
            more_than_ordered=more_than_ordered,
            over_label="'more than ordered'",
        )
        self.supply_changed(shop)
        with self.engine.begin() as conn:
            audit.record(
                conn,
                at=self.clock(),
                action="po receive",
                shop=shop,
                target=po.id,
                reference=po.id,
                detail=f"{units} received: {po.received}/{po.quantity}",
                **who,
            )
        return po
