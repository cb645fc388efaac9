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
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from zoneinfo import ZoneInfo

from connector.engine.events import LineNotice, notification_for, reminder
from connector.engine.index import Skipped, StateIndex, variant_key
from connector.engine.plan import order_actions, product_tag_changes, variant_changes
from connector.engine.policies import ManagedTags
from connector.engine.sku import SkuResult, work_out_sku
from connector.engine.state import EngineState, StateDelta
from connector.engine.storefront import Desired
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    Notification,
    NotificationKind,
    Order,
    OrderAction,
    OrderActionKind,
    OrderStatus,
    Plan,
    Platform,
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


_sku = attrgetter("sku")


def _hold_lines(waiting: Iterable[BackorderEntry]) -> list[tuple[str, int, bool]]:
    """Every waiting line of an order across its SKUs: what our hold should cover."""
    return [(entry.line_id, entry.waiting, entry.eta is not None) for entry in waiting]


@lru_cache(maxsize=64)
def _single_tag(tag: str) -> frozenset[str]:
    return frozenset((tag,))


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
        self._ix = StateIndex("", self.policies, default_policy, self.managed)
        self._queues: dict[str, tuple[BackorderEntry, ...]] = {}
        self._desired: dict[str, Desired] = {}
        """What each SKU's storefront should show (the product's tags merge these)."""
        self._order_waiting: dict[str, tuple[BackorderEntry, ...]] = {}
        """order id -> its waiting entries, across SKUs (grouped by SKU, each in queue order).

        A flat tuple per order, not a dict per order: the cold plan has 180k waiting orders and a
        nested dict cost about 50 MiB more. The order tags are worked out from it when needed."""
        self._contacted: dict[str, datetime] = {}
        self._heads_up: set[tuple[str, date]] = set()
        self._waiting_stale = False

    # -- loading --------------------------------------------------------------------------------

    def load(self, state: EngineState) -> None:
        """Index a full state (replacing anything loaded before)."""
        with _gc_paused():
            self._load(state)

    def _load(self, state: EngineState) -> None:
        self.shop = state.shop
        self._ix = StateIndex(state.shop.name, self.policies, self.default_policy, self.managed)
        self._desired = {}
        self._order_waiting = {}
        self._contacted = dict(state.last_contacted)
        self._heads_up = set(state.heads_up)
        ix = self._ix
        for product in state.products:
            ix.products[product.platform_id] = product
        for variant in state.variants:
            ix.put_variant(variant)
        queued = {entry.sku for entry in state.previous_queue}
        # A full plan reads the lines of SKUs someone may wait on only: below zero, queued or
        # pre-ordered (held and pre-ordered lines are found while indexing).
        wanted = queued | {
            key
            for key, variant in ix.variants.items()
            if (variant.tracked and variant.available < 0)
            or ix.policy_of(key).mode is PolicyMode.PREORDER
        }
        ix.index_orders(state.orders, wanted)
        for po in state.purchase_orders:
            ix.supply.setdefault(po.sku, {})[po.id] = po
        queues: dict[str, list[BackorderEntry]] = {}
        for entry in state.previous_queue:
            queues.setdefault(entry.sku, []).append(entry)
        self._queues = {key: tuple(entries) for key, entries in queues.items()}
        self._waiting_stale = True  # rebuilt by the next plan (a full plan rebuilds it anyway)

    # -- planning -------------------------------------------------------------------------------

    def today(self, now: datetime) -> date:
        """The shop's local date: a promise made 'by Friday' means the shop's Friday."""
        try:
            zone = ZoneInfo(self.shop.timezone or "UTC")
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        return utc(now).astimezone(zone).date()

    def apply(self, delta: StateDelta) -> set[str]:
        """Take in what changed; returns the keys (SKUs) a plan must work out again."""
        self._contacted.update(delta.contacted)
        return self._ix.apply(delta)

    def prepare_incremental(self) -> None:
        """Index every order line now (a full plan indexes only the SKUs it needs).

        The first :meth:`apply` does this by itself; a long-lived engine can call it up front so
        the first change is as fast as the next ones.
        """
        with _gc_paused():
            self._ix.complete()

    @property
    def skipped(self) -> list[Skipped]:
        """Input the engine could not use, each with its reason."""
        return self._ix.skipped

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
        return self._ix.policy_of(key)

    def plan(self, now: datetime, keys: Collection[str] | None = None) -> Plan:
        """Decide. ``keys`` None: every SKU (a full plan); else only those SKUs."""
        with _gc_paused():
            return self._plan(now, keys)

    def _plan(self, now: datetime, keys: Collection[str] | None) -> Plan:
        now = utc(now)
        today = self.today(now)
        ix = self._ix
        full = keys is None
        # Sorted, so the plan's events come out in the same order in every process (set order
        # depends on the string hash seed).
        work = sorted(
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
                lines=self._ix.lines_of(key) if full_pass else None,
                previous=self._queues.get(key, ()),
                purchase_orders=tuple(ix.supply.get(sku, {}).values()),
                now=now,
                today=today,
                locale=locale,
                told=self._heads_up,
            )
            self._heads_up.update(result.heads_up)
            results.append(result)
        if not full and self._waiting_stale:
            self._rebuild_waiting()
        if full:
            self._queues = {result.key: result.queue for result in results if result.queue}
            self._desired = {r.key: r.desired for r in results if r.desired is not None}
            self._rebuild_waiting()
        else:
            for result in results:
                old = self._queues.get(result.key, ())
                if result.queue:
                    self._queues[result.key] = result.queue
                else:
                    self._queues.pop(result.key, None)
                self._index_waiting(result.key, old, result.queue)
                if result.desired is not None:
                    self._desired[result.key] = result.desired
                else:
                    self._desired.pop(result.key, None)
        return self._assemble(results, now, full)

    def _rebuild_waiting(self) -> None:
        self._order_waiting = {}
        for key, queue in self._queues.items():
            self._index_waiting(key, (), queue)
        self._waiting_stale = False

    def _index_waiting(
        self, key: str, old: Iterable[BackorderEntry], new: Iterable[BackorderEntry]
    ) -> None:
        waiting = self._order_waiting
        for order_id in {entry.order_id for entry in old}:
            kept = tuple(entry for entry in waiting.get(order_id, ()) if entry.sku != key)
            if kept:
                waiting[order_id] = kept
            else:
                waiting.pop(order_id, None)
        for entry in new:
            if entry.waiting > 0:
                known = waiting.get(entry.order_id)
                waiting[entry.order_id] = (entry,) if known is None else (*known, entry)

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
        rehold: set[str] = set()
        notices: dict[str, dict[NotificationKind, list[LineNotice]]] = {}
        ships_now: dict[str, int] = {}
        for result in results:
            variant = ix.variants.get(result.key)
            desired = result.desired
            if variant is not None and desired is not None:
                products.add(variant.product_id)
                if (desired.policy is None or desired.policy is variant.inventory_policy) and (
                    desired.eta_label,
                    desired.eta_date,
                ) == (variant.eta_label, variant.eta_date):
                    pass  # the storefront already shows it: the usual case
                else:
                    changes, sold = variant_changes(shop, variant, desired, now)
                    storefront.extend(changes)
                    events.extend(sold)
            events.extend(result.events)
            rehold.update(result.rehold)
            for notice in result.notices:
                notices.setdefault(notice.order_id, {}).setdefault(notice.kind, []).append(notice)
                orders.add(notice.order_id)
            ships_now.update(result.ships_now)
            if not full:
                # Orders whose lines are queued or just left the queue may need their tags redone.
                orders.update(entry.order_id for entry in result.queue)
                orders.update(event.order_id for event in result.events if event.order_id)
        orders.update(rehold)
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
                desired = self._desired.get(key)
                if desired is not None:
                    wanted |= desired.tags
            storefront.extend(product_tag_changes(shop, product, wanted, self.managed))

        # One pass per order, by order id: its notifications (every order with a notice is
        # among ``orders``), then its hold and tags.
        actions: list[OrderAction] = []
        notifications: list[Notification] = []
        for order_id in sorted(orders):
            order = ix.orders.get(order_id)
            if order is None:
                continue
            waiting = self._order_waiting.get(order_id, ())
            per_kind = notices.get(order_id)
            if per_kind is not None:
                self._notifications(order, per_kind, waiting, ships_now, now, out=notifications)
            wanted_tags = self._order_tags(waiting)
            redo = order_id in rehold and order.status is OrderStatus.OPEN
            if not redo and wanted_tags == self.managed.of(order.tags):
                continue
            actions.extend(
                order_actions(
                    shop,
                    order,
                    hold=_hold_lines(waiting) if redo else None,
                    wanted_tags=wanted_tags,
                    managed=self.managed,
                )
            )
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

    def _order_tags(self, entries: Sequence[BackorderEntry]) -> frozenset[str]:
        """The tags an order wants for its waiting ``entries``."""
        if not entries:
            return frozenset()
        if len(entries) == 1:  # the usual case
            tag = self._order_tag(entries[0].sku, entries[0].preorder)
            return _single_tag(tag) if tag else frozenset()
        preorder: dict[str, bool] = {}
        for entry in entries:
            preorder[entry.sku] = preorder.get(entry.sku, False) or entry.preorder
        tags = (self._order_tag(sku, pre) for sku, pre in preorder.items())
        return frozenset(tag for tag in tags if tag)

    def _order_tag(self, key: str, preorder: bool) -> str:
        """The tag an order gets for its waiting lines of ``key`` (pre-order if any is one)."""
        policy = self._ix.policy.get(key, self.default_policy)
        return policy.preorder_tag if preorder else policy.backorder_tag

    def _notifications(
        self,
        order: Order,
        per_kind: dict[NotificationKind, list[LineNotice]],
        waiting: Sequence[BackorderEntry],
        ships_now: dict[str, int],
        now: datetime,
        *,
        out: list[Notification],
    ) -> None:
        """Add one notification per kind for ``order`` to ``out``, by kind.

        Notices come grouped by order (then kind): the plan walks its orders in id order once,
        with no sort of 180k (order id, kind) pairs in a cold plan.
        """
        for kind in sorted(per_kind) if len(per_kind) > 1 else per_kind:
            group = per_kind[kind]
            if len(group) > 1:
                group.sort(key=lambda notice: notice.line.line_id)
            out.append(
                notification_for(
                    self.shop.name,
                    order,
                    kind=kind,
                    notices=group,
                    now=now,
                    ships_now=ships_now,
                    waiting=waiting,
                    policy=self._ix.policy.get(group[0].line.sku, self.default_policy),
                )
            )

    def _reminders(
        self, now: datetime, candidates: Iterable[str], told: set[str]
    ) -> list[tuple[Notification, list[BackorderEvent]]]:
        """Waiting customers not heard from in ``reminder_every_days`` get a reminder."""
        out: list[tuple[Notification, list[BackorderEvent]]] = []
        cadences = [p.reminder_every_days for p in (*self.policies, self.default_policy)]
        soonest = timedelta(days=max(0, min(cadences)))
        contacted = self._contacted
        # Cheap tests first, before sorting: most waiting customers heard from us lately or
        # hear from us in this plan (a cold plan confirms 180k orders).
        due = [
            order_id
            for order_id in candidates
            if order_id not in told
            and ((recent := contacted.get(order_id)) is None or now - recent >= soonest)
        ]
        for order_id in sorted(due):
            recent = contacted.get(order_id)
            waiting = self._order_waiting.get(order_id)
            order = self._ix.orders.get(order_id)
            if not waiting or order is None:
                continue
            # By SKU (a stable sort keeps each SKU's queue order); the first SKU's policy rules.
            entries = sorted(waiting, key=_sku) if len(waiting) > 1 else list(waiting)
            policy = self._policy_of(entries[0].sku)
            if policy.reminder_every_days <= 0:
                continue
            last = recent or min(entry.ordered_at for entry in entries)
            if now - last < timedelta(days=policy.reminder_every_days):
                continue
            out.append(reminder(self.shop.name, order, entries, policy, now))
        return out
