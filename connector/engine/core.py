"""The :class:`Engine`: indexes one shop's state by SKU and plans, fully or for what changed.

A full plan works out every SKU. After :meth:`Engine.apply` of a :class:`StateDelta`, a plan works
out only the SKUs the delta touched (and the products and orders they belong to), which keeps its
cost in proportion to the change rather than the catalog. Time passing (dates going by, reminders
falling due) is seen by full plans only; the daemon runs one on its promise-check schedule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from itertools import chain
from types import MappingProxyType
from zoneinfo import ZoneInfo

from connector.engine.assemble import PlanAssembly
from connector.engine.index import Skipped, StateIndex, variant_key
from connector.engine.policies import ManagedTags
from connector.engine.pools import pool_available
from connector.engine.sku import SkuResult, work_out_sku
from connector.engine.state import EngineState, StateDelta
from connector.engine.storefront import Desired
from connector.heap import collector_paused
from connector.model import (
    BackorderEntry,
    Order,
    Plan,
    Platform,
    Shop,
    Variant,
    utc,
)
from connector.settings import PolicyMode, PolicySettings

__all__ = ["Engine", "Skipped", "variant_key"]


class Engine(PlanAssembly):
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
        self._news_owed: set[str] = set()
        self._quiet_before: datetime | None = None
        self._waiting_stale = False
        self._unsettled: set[str] = set()
        """SKUs under ``promise_at_risk`` whose last plan moved a promise. Their order follows the
        promises of the plan before, so replanning them unchanged can reorder them; a cold plan
        replans every SKU, so the next incremental plan replans these too."""

    # -- loading --------------------------------------------------------------------------------

    def load(self, state: EngineState) -> None:
        """Index a full state (replacing anything loaded before)."""
        with collector_paused():
            self._load(state)

    def _load(self, state: EngineState) -> None:
        self.shop = state.shop
        self._ix = StateIndex(state.shop.name, self.policies, self.default_policy, self.managed)
        self._desired = {}
        self._order_waiting = {}
        self._contacted = dict(state.last_contacted)
        self._heads_up = set(state.heads_up)
        self._news_owed = set(state.news_owed)
        self._quiet_before = state.quiet_before
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
            if variant.may_be_short or ix.policy_of(key).mode is PolicyMode.PREORDER
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

    def keys_of(
        self,
        *,
        product_ids: Iterable[str] = (),
        variant_ids: Iterable[str] = (),
        order_ids: Iterable[str] = (),
    ) -> set[str]:
        """The SKUs these products, variants and orders touch: what to plan again when a write
        of theirs failed (the shop still shows the old state, and only a plan asks again)."""
        ix = self._ix
        keys: set[str] = set()
        for product_id in product_ids:
            keys |= ix.product_keys.get(product_id, set())
        for variant_id in variant_ids:
            key = ix.key_of_variant.get(variant_id)
            if key is not None:
                keys.add(key)
        for order_id in order_ids:
            order = ix.orders.get(order_id)
            for line in order.lines if order is not None else ():
                line_key = ix.line_key(line)
                if line_key is not None:
                    keys.add(line_key)
        return keys

    def prepare_incremental(self) -> None:
        """Index every order line now (a full plan indexes only the SKUs it needs).

        The first :meth:`apply` does this by itself; a long-lived engine can call it up front so
        the first change is as fast as the next ones.
        """
        with collector_paused():
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
            or variant.may_be_short
        )

    def _policy_of(self, key: str) -> PolicySettings:
        return self._ix.policy_of(key)

    def plan(self, now: datetime, keys: Collection[str] | None = None) -> Plan:
        """Decide. ``keys`` None: every SKU (a full plan); else only those SKUs."""
        with collector_paused():
            return self._plan(now, keys)

    def _plan(self, now: datetime, keys: Collection[str] | None) -> Plan:
        now = utc(now)
        today = self.today(now)
        ix = self._ix
        full = keys is None
        if keys is not None and self._unsettled:
            keys = set(keys) | self._unsettled
        unsettled: set[str] = set()
        # Sorted, so the plan's events come out in the same order in every process (set order
        # depends on the string hash seed).
        work = sorted(
            set(ix.variants) | set(ix.lines) | set(self._queues) if keys is None else keys
        )
        shop = self.shop.name
        locale = self.shop.locale
        results: list[SkuResult] = []
        settled: dict[tuple[object, ...], SkuResult] = {}
        waiting: dict[str, tuple[BackorderEntry, ...]] | None = None
        if full:
            # Who waits is rebuilt as each SKU is worked out, while its entries are still in the
            # CPU's caches (a second walk over 200k entries afterwards was 4 % of a cold plan).
            # The old index goes first rather than beside the new one (a warm plan's peak at the
            # benchmark shop: +96.0 -> +88.0 MiB); stale until the plan is through, should it
            # fail half way.
            self._order_waiting = waiting = {}
            self._waiting_stale = True
        pooled: dict[tuple[str, int], dict[str, int]] = {}
        policies, default_policy = ix.policy, self.default_policy
        for key in work:
            variant = ix.variants.get(key)
            policy = policies.get(key, default_policy)
            full_pass = self._needs_full_pass(key, variant, policy)
            if (
                not full_pass
                and variant is not None
                and not variant.incoming
                and not ix.supply.get(variant.sku)
            ):
                # Most of a catalog: in stock, nothing incoming, nobody waiting. Such SKUs
                # differ only in these few facts, so one worked-out answer serves them all.
                memo = (
                    id(policy),
                    variant.tracked,
                    variant.untracked_status,
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
                results.append(SkuResult(key, (), done.desired))
                continue
            sku = variant.sku if variant is not None else key
            if variant is not None and variant.stock_pool and full_pass:
                variant = self._pooled(key, variant, pooled)
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
                quiet_before=self._quiet_before,
            )
            self._heads_up.update(result.heads_up)
            if policy.queue_rule == "promise_at_risk" and _promises_moved(
                self._queues.get(key, ()), result.queue
            ):
                unsettled.add(key)
            results.append(result)
            if waiting is not None and result.queue:
                _add_waiting(waiting, result.queue)
        self._unsettled = unsettled
        if not full and self._waiting_stale:
            self._rebuild_waiting()
        if full:
            self._queues = {result.key: result.queue for result in results if result.queue}
            self._desired = {r.key: r.desired for r in results if r.desired is not None}
            self._waiting_stale = False
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

    def _pooled(
        self, key: str, variant: Variant, cache: dict[tuple[str, int], dict[str, int]]
    ) -> Variant:
        """``variant`` with its share of its stock pool as its stock (see :mod:`.pools`)."""
        if not variant.tracked or variant.available >= 0:
            return variant  # nothing short: every line of every member is served
        token = (variant.stock_pool, variant.available)
        shares = cache.get(token)
        if shares is None:
            members = self._ix.pools.get(variant.stock_pool, {key})
            shares = cache[token] = pool_available(
                variant.available, {member: self._ix.lines_of(member) for member in members}
            )
        return replace(variant, available=shares.get(key, variant.available))

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
        _add_waiting(waiting, new)

    def queue(self) -> tuple[BackorderEntry, ...]:
        """The whole shop's queue as last planned, by SKU then position."""
        return tuple(chain.from_iterable(self._queues[key] for key in sorted(self._queues)))

    def waiting_by_order(self) -> Mapping[str, tuple[BackorderEntry, ...]]:
        """Order id -> its entries that wait, as last planned (read only). An order's tuple stays
        the same object until a plan changes what it waits for, so a caller can tell what did."""
        if self._waiting_stale:
            self._rebuild_waiting()
        return MappingProxyType(self._order_waiting)

    def held_orders(self) -> Mapping[str, Order]:
        """The orders this engine plans with, by platform id (read only: the daemon's engine
        check compares a share of them with the database)."""
        return MappingProxyType(self._ix.orders)

    def held_variant(self, variant_id: str) -> Variant | None:
        """The variant with this platform id as this engine holds it (None: not held)."""
        key = self._ix.key_of_variant.get(variant_id)
        variant = self._ix.variants.get(key) if key is not None else None
        return variant if variant is not None and variant.platform_id == variant_id else None


def _add_waiting(
    waiting: dict[str, tuple[BackorderEntry, ...]], entries: Iterable[BackorderEntry]
) -> None:
    """Add the entries that wait to their orders' tuples in ``waiting`` (see ``_order_waiting``)."""
    for entry in entries:
        if entry.waiting > 0:
            known = waiting.get(entry.order_id)
            waiting[entry.order_id] = (entry,) if known is None else (*known, entry)


def _promises_moved(previous: Sequence[BackorderEntry], queue: Sequence[BackorderEntry]) -> bool:
    """True when a line's date differs from the one it was ranked by (its previous entry's)."""
    before = {entry.line_id: entry.eta for entry in previous}
    return any(before.get(entry.line_id) != entry.eta for entry in queue)
