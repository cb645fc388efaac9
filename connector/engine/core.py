"""The :class:`Engine`: indexes one shop's state by SKU and plans, fully or for what changed.

A full plan works out every SKU. After :meth:`Engine.apply` of a :class:`StateDelta`, a plan works
out only the SKUs the delta touched (and the products and orders they belong to), which keeps its
cost in proportion to the change rather than the catalog. Time passing (dates going by, reminders
falling due) is seen by full plans only; the daemon runs one on its promise-check schedule.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from connector.engine.events import LineNotice
from connector.engine.plan import (
    notification_for,
    order_actions,
    product_tag_changes,
    variant_changes,
)
from connector.engine.policies import ManagedTags, match_policy
from connector.engine.sku import SkuResult, work_out_sku
from connector.engine.state import EngineState, StateDelta
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Notification,
    NotificationKind,
    NotificationLine,
    Order,
    OrderAction,
    OrderActionKind,
    OrderLine,
    Plan,
    Platform,
    Product,
    PurchaseOrder,
    Shop,
    StorefrontChange,
    Variant,
    utc,
)
from connector.settings import PolicyMode, PolicySettings

__all__ = ["Engine", "Skipped", "variant_key"]

_CONTACT_KINDS = frozenset(
    {
        NotificationKind.BACKORDER_CONFIRMATION,
        NotificationKind.PREORDER_CONFIRMATION,
        NotificationKind.DELAY,
        NotificationKind.REMINDER,
        NotificationKind.SHIP_SOON,
    }
)


@dataclass(frozen=True, slots=True)
class Skipped:
    """Input the engine could not use, with the reason (recorded, never silently dropped)."""

    what: str
    id: str
    reason: str


@dataclass(slots=True)
class _Index:
    variants: dict[str, Variant] = field(default_factory=dict)
    key_of_variant: dict[str, str] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    product_keys: dict[str, set[str]] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    lines: dict[str, list[tuple[Order, OrderLine]]] = field(default_factory=dict)
    unsorted: set[str] = field(default_factory=set)
    held: set[str] = field(default_factory=set)
    """Keys with a line under our hold: they need the full pass, a hold may have to go."""
    preorder: set[str] = field(default_factory=set)
    supply: dict[str, dict[str, PurchaseOrder]] = field(default_factory=dict)
    policy: dict[str, PolicySettings] = field(default_factory=dict)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large acyclic structures.

    A plan allocates hundreds of thousands of small tuples and dataclasses and frees none of them;
    each generation-0 collection would walk the whole young heap again for nothing (measured:
    it more than doubled the time of a full plan). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Hand what survived to the oldest generation directly: otherwise the first young
        # collection after enabling walks every object made during the pause (0.4 s at scale).
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def _order_time(pair: tuple[Order, OrderLine]) -> tuple[datetime, str]:
    return pair[0].created_at, pair[0].platform_id


def variant_key(variant: Variant) -> str:
    """The queue a variant's lines join: its SKU, or its id when it has none."""
    return variant.sku or f"#{variant.platform_id}"


class Engine:
    """Plans for one shop and remembers enough to replan only what a change touched.

    Use :meth:`load` with the full state, then :meth:`plan` (full). Later, :meth:`apply` a delta and
    call :meth:`plan` with the keys it returned. Each plan's queue becomes the previous queue of the
    next one: the caller is expected to persist it (``replace_queue``) with the plan.
    """

    def __init__(self, policies: Sequence[PolicySettings], default_policy: PolicySettings) -> None:
        self.policies = tuple(policies)
        self.default_policy = default_policy
        self.managed = ManagedTags((*self.policies, default_policy))
        self.shop = Shop(name="", platform=Platform.SHOPIFY)  # replaced by load()
        self.skipped: list[Skipped] = []
        self._ix = _Index()
        self._queues: dict[str, tuple[BackorderEntry, ...]] = {}
        self._results: dict[str, SkuResult] = {}
        self._order_waiting: dict[str, dict[str, tuple[str, tuple[BackorderEntry, ...]]]] = {}
        """order id -> SKU -> (the order tag it wants, its waiting entries)"""
        self._contacted: dict[str, datetime] = {}
        self._waiting_stale = False

    # -- loading --------------------------------------------------------------------------------

    def load(self, state: EngineState) -> None:
        """Index a full state (replacing anything loaded before)."""
        with _gc_paused():
            self._load(state)

    def _load(self, state: EngineState) -> None:
        self.shop = state.shop
        self.skipped = []
        self._ix = _Index()
        self._results = {}
        self._order_waiting = {}
        self._contacted = dict(state.last_contacted)
        ix = self._ix
        for product in state.products:
            ix.products[product.platform_id] = product
        for variant in state.variants:
            self._put_variant(variant)
        self._index_orders(state.orders)
        for po in state.purchase_orders:
            ix.supply.setdefault(po.sku, {})[po.id] = po
        queues: dict[str, list[BackorderEntry]] = {}
        for entry in state.previous_queue:
            queues.setdefault(entry.sku, []).append(entry)
        self._queues = {key: tuple(entries) for key, entries in queues.items()}
        self._waiting_stale = True  # rebuilt by the next plan (a full plan rebuilds it anyway)

    def _index_orders(self, orders: Iterable[Order]) -> None:
        """The bulk version of :meth:`_put_order` for a fresh index: one tight loop over the lines.

        Buckets are sorted lazily, only for the SKUs that need the full pass (most do not).
        """
        ix = self._ix
        lines, held, preorder = ix.lines, ix.held, ix.preorder
        by_id = ix.orders
        for order in orders:
            by_id[order.platform_id] = order
            for line in order.lines:
                key = line.sku or self._line_key(line)
                if key is None:
                    self.skipped.append(
                        Skipped("order line", line.platform_id, "line has neither SKU nor variant")
                    )
                    continue
                bucket = lines.get(key)
                if bucket is None:
                    lines[key] = [(order, line)]
                else:
                    bucket.append((order, line))
                if line.on_hold:
                    held.add(key)
                if line.preorder:
                    preorder.add(key)
        # Orders usually come oldest first (the database reads them so): then every bucket is
        # already in order time and nothing needs sorting.
        previous: tuple[datetime, str] | None = None
        in_order = True
        for order in by_id.values():
            stamp = (order.created_at, order.platform_id)
            if previous is not None and stamp < previous:
                in_order = False
                break
            previous = stamp
        ix.unsorted = set() if in_order else set(lines)

    def _put_variant(self, variant: Variant) -> str:
        ix = self._ix
        key = variant_key(variant)
        other = ix.variants.get(key)
        if other is not None and other.platform_id != variant.platform_id:
            self.skipped.append(
                Skipped(
                    "variant", variant.platform_id, f"SKU {key} is also variant {other.platform_id}"
                )
            )
            return key
        ix.variants[key] = variant
        ix.key_of_variant[variant.platform_id] = key
        ix.product_keys.setdefault(variant.product_id, set()).add(key)
        product = ix.products.get(variant.product_id)
        ix.policy[key] = match_policy(
            self.shop.name,
            variant,
            product,
            policies=self.policies,
            default=self.default_policy,
            ignore=self.managed,
        )
        return key

    def _line_key(self, line: OrderLine) -> str | None:
        if line.sku:
            return line.sku
        if line.variant_id is not None:
            return self._ix.key_of_variant.get(line.variant_id)
        return None

    def _put_order(self, order: Order) -> set[str]:
        """Index an order (replacing its earlier version); returns the keys its lines touch."""
        ix = self._ix
        touched: set[str] = set()
        order_id = order.platform_id
        old = ix.orders.get(order_id)
        if old is not None:
            for line in old.lines:
                key = self._line_key(line)
                bucket = ix.lines.get(key) if key is not None else None
                if key is not None and bucket is not None:
                    bucket[:] = [pair for pair in bucket if pair[0].platform_id != order_id]
                    touched.add(key)
        ix.orders[order_id] = order
        for line in order.lines:
            key = self._line_key(line)
            if key is None:
                self.skipped.append(
                    Skipped(
                        "order line", line.platform_id, "line has neither SKU nor known variant"
                    )
                )
                continue
            bucket = ix.lines.get(key)
            if bucket is None:
                bucket = ix.lines[key] = []
            elif bucket:
                last = bucket[-1][0]
                if (last.created_at, last.platform_id) > (order.created_at, order_id):
                    ix.unsorted.add(key)
            bucket.append((order, line))
            if line.on_hold:
                ix.held.add(key)
            if line.preorder:
                ix.preorder.add(key)
            touched.add(key)
        return touched

    def apply(self, delta: StateDelta) -> set[str]:
        """Take in what changed; returns the keys (SKUs) a plan must work out again."""
        ix = self._ix
        touched: set[str] = set()
        for product in delta.products:
            ix.products[product.platform_id] = product
            for key in ix.product_keys.get(product.platform_id, ()):
                variant = ix.variants[key]
                ix.policy[key] = match_policy(
                    self.shop.name,
                    variant,
                    product,
                    policies=self.policies,
                    default=self.default_policy,
                    ignore=self.managed,
                )
                touched.add(key)
        for variant in delta.variants:
            touched.add(self._put_variant(variant))
        for order in delta.orders:
            touched |= self._put_order(order)
        for po in delta.purchase_orders:
            ix.supply.setdefault(po.sku, {})[po.id] = po
            touched.add(po.sku)
        for po_id in delta.removed_purchase_orders:
            for sku, pos in ix.supply.items():
                if pos.pop(po_id, None) is not None:
                    touched.add(sku)
        self._contacted.update(delta.contacted)
        return touched

    # -- planning -------------------------------------------------------------------------------

    def today(self, now: datetime) -> date:
        """The shop's local date: a promise made 'by Friday' means the shop's Friday."""
        try:
            zone = ZoneInfo(self.shop.timezone or "UTC")
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        return utc(now).astimezone(zone).date()

    def _lines_of(self, key: str) -> list[tuple[Order, OrderLine]]:
        bucket = self._ix.lines.get(key)
        if not bucket:
            return []
        if key in self._ix.unsorted:
            bucket.sort(key=_order_time)
            self._ix.unsorted.discard(key)
        return bucket

    def _needs_full_pass(self, key: str, variant: Variant | None, policy: PolicySettings) -> bool:
        """False when no line of the SKU can wait: nothing queued, held or pre-ordered, stock >= 0."""
        ix = self._ix
        return (
            variant is None
            or key in self._queues
            or key in ix.held
            or key in ix.preorder
            or policy.mode is PolicyMode.PREORDER
            or (variant.tracked and variant.available < 0)
        )

    def _policy_of(self, key: str) -> PolicySettings:
        return self._ix.policy.get(key, self.default_policy)

    def plan(self, now: datetime, keys: Collection[str] | None = None) -> Plan:
        """Decide. ``keys`` None: every SKU (a full plan); else only those SKUs."""
        with _gc_paused():
            return self._plan(now, keys)

    def _plan(self, now: datetime, keys: Collection[str] | None) -> Plan:
        now = utc(now)
        today = self.today(now)
        ix = self._ix
        full = keys is None
        work: Iterable[str] = (
            set(ix.variants) | set(ix.lines) | set(self._queues) if keys is None else keys
        )
        shop = self.shop.name
        locale = self.shop.locale
        results: list[SkuResult] = []
        settled: dict[tuple[object, ...], SkuResult] = {}
        for key in work:
            variant = ix.variants.get(key)
            sku = variant.sku if variant is not None else key
            policy = self._policy_of(key)
            full_pass = self._needs_full_pass(key, variant, policy)
            if (
                not full_pass
                and variant is not None
                and not variant.incoming
                and not ix.supply.get(sku)
            ):
                # Most of a catalog: in stock, nothing incoming, nobody waiting. Such SKUs
                # differ only in these few facts, so one worked-out answer serves them all.
                memo = (
                    id(policy),
                    variant.tracked,
                    variant.available > 0,
                    variant.release_date,
                )
                done = settled.get(memo)
                if done is None:
                    done = settled[memo] = work_out_sku(
                        key,
                        shop,
                        variant=variant,
                        policy=policy,
                        lines=None,
                        previous=(),
                        purchase_orders=(),
                        now=now,
                        today=today,
                        locale=locale,
                    )
                results.append(SkuResult(key, desired=done.desired))
                continue
            result = work_out_sku(
                key,
                shop,
                variant=variant,
                policy=policy,
                lines=self._lines_of(key) if full_pass else None,
                previous=self._queues.get(key, ()),
                purchase_orders=tuple(ix.supply.get(sku, {}).values()),
                now=now,
                today=today,
                locale=locale,
            )
            results.append(result)
        if not full and self._waiting_stale:
            self._rebuild_waiting()
        if full:
            self._queues = {result.key: result.queue for result in results if result.queue}
            self._results = {result.key: result for result in results}
            self._rebuild_waiting()
        else:
            for result in results:
                old = self._queues.get(result.key, ())
                if result.queue:
                    self._queues[result.key] = result.queue
                else:
                    self._queues.pop(result.key, None)
                self._index_waiting(result.key, old, result.queue)
                self._results[result.key] = result
        return self._assemble(results, now, full)

    def _rebuild_waiting(self) -> None:
        self._order_waiting = {}
        for key, queue in self._queues.items():
            self._index_waiting(key, (), queue)
        self._waiting_stale = False

    def _index_waiting(
        self, key: str, old: Iterable[BackorderEntry], new: Iterable[BackorderEntry]
    ) -> None:
        for entry in old:
            per_order = self._order_waiting.get(entry.order_id)
            if per_order is not None:
                per_order.pop(key, None)
                if not per_order:
                    del self._order_waiting[entry.order_id]
        grouped: dict[str, list[BackorderEntry]] = {}
        for entry in new:
            if entry.waiting > 0:
                grouped.setdefault(entry.order_id, []).append(entry)
        if not grouped:
            return
        policy = self._policy_of(key)
        for order_id, entries in grouped.items():
            preorder = any(entry.preorder for entry in entries)
            tag = policy.preorder_tag if preorder else policy.backorder_tag
            self._order_waiting.setdefault(order_id, {})[key] = (tag, tuple(entries))

    def queue(self) -> tuple[BackorderEntry, ...]:
        """The whole shop's queue as last planned, by SKU then position."""
        return tuple(chain.from_iterable(self._queues[key] for key in sorted(self._queues)))

    # -- assembling the plan ------------------------------------------------------------------

    def _assemble(self, results: Sequence[SkuResult], now: datetime, full: bool) -> Plan:
        ix = self._ix
        shop = self.shop.name
        storefront: list[StorefrontChange] = []
        events: list[BackorderEvent] = []
        products: set[str] = set()
        orders: set[str] = set()
        holds: dict[str, list[tuple[str, int, bool]]] = {}
        releases: dict[str, list[tuple[str, int]]] = {}
        notices: dict[tuple[str, NotificationKind], list[LineNotice]] = {}
        ships_now: dict[str, int] = {}
        for result in results:
            variant = ix.variants.get(result.key)
            if variant is not None and result.desired is not None:
                changes, sold = variant_changes(shop, variant, result.desired, now)
                storefront.extend(changes)
                events.extend(sold)
                products.add(variant.product_id)
            events.extend(result.events)
            for order_id, line_id, units, dated in result.holds:
                holds.setdefault(order_id, []).append((line_id, units, dated))
            for order_id, line_id, units in result.releases:
                releases.setdefault(order_id, []).append((line_id, units))
            for notice in result.notices:
                notices.setdefault((notice.order_id, notice.kind), []).append(notice)
            ships_now.update(result.ships_now)
            orders.update(notice.order_id for notice in result.notices)
            if not full:
                orders.update(entry.order_id for entry in result.queue)
        orders.update(holds)
        orders.update(releases)
        if full:
            orders.update(self._order_waiting)
            orders.update(
                order.platform_id
                for order in ix.orders.values()
                if order.tags and self.managed.of(order.tags)
            )
        for product_id in sorted(products):
            product = ix.products.get(product_id)
            if product is None:
                continue
            wanted: set[str] = set()
            for key in ix.product_keys.get(product_id, ()):
                done = self._results.get(key)
                if done is not None and done.desired is not None:
                    wanted |= done.desired.tags
            storefront.extend(product_tag_changes(shop, product, wanted, self.managed))

        actions: list[OrderAction] = []
        for order_id in sorted(orders):
            order = ix.orders.get(order_id)
            if order is None:
                continue
            wanted_tags = self._order_tags(order_id)
            if (
                order_id not in holds
                and order_id not in releases
                and wanted_tags == self.managed.of(order.tags)
            ):
                continue
            actions.extend(
                order_actions(
                    shop,
                    order,
                    holds=holds.get(order_id, ()),
                    releases=releases.get(order_id, ()),
                    wanted_tags=wanted_tags,
                    managed=self.managed,
                )
            )
        notifications = self._notifications(notices, ships_now, now)
        reminders = self._reminders(
            now,
            orders if not full else set(self._order_waiting),
            {n.order_id for n in notifications},
        )
        for notification, reminder_events in reminders:
            notifications.append(notification)
            events.extend(reminder_events)
        for notification in notifications:
            if notification.kind in _CONTACT_KINDS:
                self._contacted[notification.order_id] = now
            if notification.discount_code:
                policy = self._policy_of(notification.lines[0].sku)
                actions.append(
                    OrderAction(
                        shop=shop,
                        kind=OrderActionKind.CREATE_DISCOUNT,
                        order_id=notification.order_id,
                        discount_code=notification.discount_code,
                        discount_percent=policy.delay_discount_percent,
                        customer_email=notification.email,
                        handle=notification.discount_code,
                    )
                )
        storefront.sort(
            key=lambda change: (change.product_id, change.variant_id or "", change.kind)
        )
        return Plan(
            shop=shop,
            storefront=tuple(storefront),
            order_actions=tuple(actions),
            notifications=tuple(notifications),
            queue=self.queue(),
            events=tuple(events),
        )

    def _order_tags(self, order_id: str) -> frozenset[str]:
        per_sku = self._order_waiting.get(order_id)
        if not per_sku:
            return frozenset()
        return frozenset(tag for tag, _ in per_sku.values() if tag)

    def _waiting_lines(self, order_id: str) -> frozenset[str]:
        return frozenset(
            entry.line_id
            for _, entries in self._order_waiting.get(order_id, {}).values()
            for entry in entries
        )

    def _notifications(
        self,
        notices: dict[tuple[str, NotificationKind], list[LineNotice]],
        ships_now: dict[str, int],
        now: datetime,
    ) -> list[Notification]:
        out: list[Notification] = []
        for (order_id, kind), group in sorted(notices.items()):
            order = self._ix.orders.get(order_id)
            if order is None:
                continue
            group.sort(key=lambda notice: notice.line.line_id)
            policy = self._policy_of(group[0].line.sku)
            out.append(
                notification_for(
                    self.shop.name,
                    order,
                    kind=kind,
                    notices=group,
                    now=now,
                    ships_now=ships_now,
                    waiting_lines=self._waiting_lines(order_id),
                    policy=policy,
                )
            )
        return out

    def _reminders(
        self, now: datetime, candidates: Iterable[str], told: set[str]
    ) -> list[tuple[Notification, list[BackorderEvent]]]:
        """Waiting customers not heard from in ``reminder_every_days`` get a reminder."""
        out: list[tuple[Notification, list[BackorderEvent]]] = []
        cadences = [p.reminder_every_days for p in (*self.policies, self.default_policy)]
        soonest = timedelta(days=max(0, min(cadences)))
        contacted = self._contacted
        for order_id in sorted(candidates):
            recent = contacted.get(order_id)
            if recent is not None and now - recent < soonest:
                continue  # cheap test first: most waiting customers heard from us lately
            per_sku = self._order_waiting.get(order_id)
            order = self._ix.orders.get(order_id)
            if not per_sku or order is None or order_id in told:
                continue
            key = min(per_sku)
            every = self._policy_of(key).reminder_every_days
            if every <= 0:
                continue
            entries = [entry for key in sorted(per_sku) for entry in per_sku[key][1]]
            last = self._contacted.get(order_id) or min(entry.ordered_at for entry in entries)
            if now - last < timedelta(days=every):
                continue
            titles = {line.platform_id: line for line in order.lines}
            group = []
            events = []
            for entry in entries:
                line = titles.get(entry.line_id)
                group.append(
                    LineNotice(
                        order_id,
                        NotificationKind.REMINDER,
                        _notice_line(entry, line),
                        "still waiting",
                    )
                )
                events.append(
                    BackorderEvent(
                        shop=self.shop.name,
                        at=now,
                        kind=BackorderEventKind.ETA_SET,
                        sku=entry.sku,
                        quantity=entry.waiting,
                        order_id=order_id,
                        line_id=entry.line_id,
                        customer_email=entry.customer_email,
                        eta=entry.eta,
                        old_eta=entry.eta,
                        detail="reminder",
                    )
                )
            notification = notification_for(
                self.shop.name,
                order,
                kind=NotificationKind.REMINDER,
                notices=group,
                now=now,
                ships_now={},
                waiting_lines=self._waiting_lines(order_id),
                policy=self._policy_of(key),
            )
            out.append((notification, events))
        return out


def _notice_line(entry: BackorderEntry, line: OrderLine | None) -> NotificationLine:
    return NotificationLine(
        line_id=entry.line_id,
        sku=entry.sku,
        title=line.title if line is not None else entry.sku,
        quantity=entry.waiting,
        eta=entry.eta,
        price=line.price if line is not None else None,
    )
