"""A warm engine per shop: built once, then fed only what each cycle brought into the database.

Without it every cycle read the whole shop (every open order line) and planned every SKU: a quiet
cycle of a 30k-order shop took seconds to find nothing to do. :class:`ShopEngine` keeps one
:class:`~connector.engine.Engine` between the cycles of a shop:

* **built** from the database (a cold load and a full plan) at the first cycle, after a lease
  taken over (another holder may have changed the shop in between) and whenever it cannot follow a
  change (a deleted product, a variant whose SKU moved, a cycle that failed or stopped between its
  plan and the saving of that plan's queue);
* **fed** each cycle with the rows the sync, the webhook re-reads, the promise check's re-read and
  the re-read after our own writes brought in (read back by id), and the purchase orders that
  changed (the open ones are few and read whole); a plan then works out only the SKUs they touch,
  plus those whose write failed (the shop still shows the old state: only a plan asks again);
* **clock ticks** (the promise check) plan every SKU on the warm engine: time passing is seen by
  full plans only (docs/engine.md);
* **checked** on a slow cadence (``[schedule] engine_check_minutes``, default hourly): that cycle
  makes a warm full plan and a cold one from the database; a difference is logged, counted
  (``connector_engine_checks_total{outcome="different"}``: a bug) and the cold engine is adopted.
  A shop with more orders than ``[schedule] engine_check_orders`` has a share of them compared
  with the database instead, in turn (:mod:`connector.warm_check`), and is rebuilt on a difference.

The caller must tell what became of each plan: :meth:`ShopEngine.committed` once its queue and
events are saved, :meth:`ShopEngine.discard` when it was not (the warm queue would then differ from
the stored one the next cold plan compares against).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from connector.db import StateStore
from connector.engine import Engine, EngineState, StateDelta, variant_key
from connector.metrics import Metrics
from connector.model import Plan, PurchaseOrder
from connector.order_status_holds import StatusHoldMemory, WarmOrders
from connector.planning import load_shop_state
from connector.saved_queue import SavedQueue, by_sku
from connector.settings import Settings
from connector.warm_check import next_share, share_differences

__all__ = ["Brought", "ShopEngine", "plan_difference"]

log = logging.getLogger(__name__)


class Brought(Protocol):
    """Ids a cycle stored: any :class:`~connector.sync.SyncResult` is one."""

    @property
    def order_ids(self) -> Sequence[str]: ...

    @property
    def product_ids(self) -> Sequence[str]: ...

    @property
    def variant_ids(self) -> Sequence[str]: ...

    @property
    def deleted_products(self) -> int: ...


def plan_difference(warm: Plan, cold: Plan) -> list[str]:
    """The parts in which two plans of one state differ (empty: the same plan).

    Parts are compared as sets (events as sorted texts): a warm and a cold engine may list the
    same actions in another order, which the adapters do not depend on; the queue by position.
    """
    found = []
    if warm.queue != cold.queue:
        found.append("queue")
    for part in ("storefront", "order_actions", "notifications"):
        if set(getattr(warm, part)) != set(getattr(cold, part)):
            found.append(part)
    if sorted(map(repr, warm.events)) != sorted(map(repr, cold.events)):
        found.append("events")
    return found


class ShopEngine:
    """One shop's engine kept warm between cycles (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        shop: str,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.shop = shop
        self.metrics = metrics or Metrics()
        minutes = settings.schedule.engine_check_minutes
        self.check_every = timedelta(minutes=minutes) if minutes > 0 else None
        """How often a cycle compares the warm plan with a cold one (None: never)."""
        self.engine: Engine | None = None
        self.generation: int | None = None
        """The lease generation the engine was built under: another one means someone else held
        the shop in between."""
        self.builds = 0
        self.checks = 0
        self.differences = 0
        self._pos: dict[str, PurchaseOrder] = {}
        self._pending: set[str] = set()
        self._checked_at: datetime | None = None
        self.saved_queue = SavedQueue()
        """The queue as this process last saved it: a cycle writes only the SKUs that changed."""
        self.status_holds = StatusHoldMemory()
        """The shop's status holds as this process last recorded and judged them."""

    # -- lifecycle ------------------------------------------------------------------------------

    def follow_lease(self, generation: int | None) -> None:
        """Rebuild at the next plan if the shop's lease changed hands since the engine was built."""
        if generation != self.generation:
            self.saved_queue.forget()
            self.status_holds.forget()
            if self.engine is not None:
                self.discard("the lease changed hands")
            self.generation = generation

    def discard(self, reason: str) -> None:
        """Forget the engine: the next plan rebuilds it from the database."""
        if self.engine is not None:
            log.info("warm engine of %s dropped: %s", self.shop, reason)
        self.engine = None
        self._pending = set()
        self.saved_queue.forget()
        self.status_holds.forget()

    @property
    def warm(self) -> bool:
        return self.engine is not None

    def status_orders(self) -> WarmOrders | None:
        """The engine's orders and who waits, to judge status holds from (None: no engine)."""
        if self.engine is None:
            return None
        return WarmOrders(
            self.engine.held_orders(), self.engine.waiting_by_order(), self.status_holds
        )

    # -- planning -------------------------------------------------------------------------------

    def plan(
        self, store: StateStore, brought: Iterable[Brought], now: datetime, *, full: bool = False
    ) -> Plan:
        """The plan for the shop's state after ``brought`` was stored; ``full`` for a clock tick."""
        changes = list(brought)
        if self.engine is not None:
            self._absorb(store, changes)
            self._absorb_supply(store)
        if self.engine is None:
            return self._build(store, now, "first plan" if not self.builds else "rebuilt")
        if self.check_every is not None and (
            self._checked_at is None or now - self._checked_at >= self.check_every
        ):
            return self._check(store, now, full=full)
        keys = None if full else self._pending
        self._pending = set()
        return self.engine.plan(now, keys)

    def absorb(self, store: StateStore, brought: Iterable[Brought]) -> None:
        """Take in rows stored after the plan (the re-read after our writes); the next plan
        works out the SKUs they touch."""
        if self.engine is not None:
            self._absorb(store, list(brought))

    def committed(self, plan: Plan, failed_keys: Iterable[str]) -> None:
        """``plan``'s queue and events are saved; the writes named by ``failed_keys`` did not take
        (their SKUs are planned again next cycle, as a cold plan would ask again)."""
        if self.engine is None:
            return
        failed = set(failed_keys)
        if not failed:
            return
        changes = [c for c in plan.storefront if c.key in failed]
        actions = [a for a in plan.order_actions if a.key in failed]
        self._pending |= self.engine.keys_of(
            product_ids=[c.product_id for c in changes],
            variant_ids=[c.variant_id for c in changes if c.variant_id],
            order_ids=[a.order_id for a in actions],
        )

    # -- inside ---------------------------------------------------------------------------------

    def _build(self, store: StateStore, now: datetime, reason: str) -> Plan:
        engine, plan, state = self._cold(store, now)
        self._adopt(engine, state, now)
        self.builds += 1
        self.metrics.inc("connector_engine_builds_total", shop=self.shop, reason=reason)
        return plan

    def _cold(self, store: StateStore, now: datetime) -> tuple[Engine, Plan, EngineState]:
        state = load_shop_state(store, self.settings, self.shop, now)
        engine = Engine(self.settings.policies, self.settings.default_policy)
        engine.load(state)
        return engine, engine.plan(now), state

    def _adopt(self, engine: Engine, state: EngineState, now: datetime) -> None:
        # Every line indexed now, at the build, not at the first change: at the benchmark shop
        # that was 1.3 s more for the first cycle with new orders (3 to 5 s against 1.3 to 1.6 s).
        engine.prepare_incremental()
        self.engine = engine
        # The stored queue is the one just read: the cycle then writes only the SKUs whose queue
        # the plan changed. Not knowing it, the first cycle after a start rewrote every row
        # (200k at the benchmark shop: 4 s, and 105 MB of the daemon's RSS for the rows).
        self.saved_queue.saved(by_sku(state.previous_queue))
        self._pos = {po.id: po for po in state.purchase_orders}
        self._pending = set()
        self._checked_at = now

    def _check(self, store: StateStore, now: datetime, *, full: bool) -> Plan:
        assert self.engine is not None
        share_size = self.settings.schedule.engine_check_orders
        if len(self.engine.held_orders()) > share_size:
            return self._check_share(store, now, share_size, full=full)
        warm = self.engine.plan(now)
        engine, cold, state = self._cold(store, now)
        differs = plan_difference(warm, cold)
        self.checks += 1
        self._checked_at = now
        self._pending = set()
        if not differs:
            self.metrics.inc("connector_engine_checks_total", shop=self.shop, outcome="same")
            return warm
        self.differences += 1
        self.metrics.inc("connector_engine_checks_total", shop=self.shop, outcome="different")
        log.error(
            "warm and cold plans of %s differ in %s (a bug: please report it); using the cold plan",
            self.shop,
            ", ".join(differs),
            extra={"shop": self.shop, "differs": differs},
        )
        self._adopt(engine, state, now)
        return cold

    def _check_share(self, store: StateStore, now: datetime, size: int, *, full: bool) -> Plan:
        """A big shop's check: a share of its orders compared with the database (warm_check)."""
        assert self.engine is not None
        differs = share_differences(
            store, self.shop, self.engine, next_share(store, self.shop, self.engine, size)
        )
        self.checks += 1
        self._checked_at = now
        if not differs:
            self.metrics.inc("connector_engine_checks_total", shop=self.shop, outcome="same")
            keys, self._pending = self._pending, set()
            return self.engine.plan(now, None if full else keys)
        self.differences += 1
        self.metrics.inc("connector_engine_checks_total", shop=self.shop, outcome="different")
        log.error(
            "the warm engine of %s differs from the database in %s (a bug: please report it); "
            "rebuilding it",
            self.shop,
            "; ".join(differs),
            extra={"shop": self.shop, "differs": differs},
        )
        self.saved_queue.forget()  # the stored queue is in doubt too: the plan rewrites it whole
        return self._build(store, now, "check")

    def _absorb(self, store: StateStore, changes: Sequence[Brought]) -> None:
        engine = self.engine
        assert engine is not None
        if any(change.deleted_products for change in changes):
            self.discard("products were deleted")
            return
        order_ids = {i for change in changes for i in change.order_ids}
        product_ids = {i for change in changes for i in change.product_ids}
        variant_ids = {i for change in changes for i in change.variant_ids}
        if not (order_ids or product_ids or variant_ids):
            return
        variants = store.variants_by_ids(self.shop, variant_ids)
        for variant in variants:
            old = engine.keys_of(variant_ids=[variant.platform_id])
            if old and old != {variant_key(variant)}:
                # The index cannot move a variant between queues; the database can rebuild it.
                self.discard("a variant's SKU changed")
                return
        delta = StateDelta(
            products=tuple(store.products_by_ids(self.shop, product_ids)),
            variants=tuple(variants),
            orders=tuple(store.orders_by_ids(self.shop, order_ids)),
        )
        self._pending |= engine.apply(delta)

    def _absorb_supply(self, store: StateStore) -> None:
        """Purchase orders change outside the cycle (``connector po``): compare the open ones."""
        engine = self.engine
        if engine is None:
            return
        current = {po.id: po for po in store.purchase_orders(self.shop, open_only=True)}
        changed = [po for po_id, po in current.items() if self._pos.get(po_id) != po]
        removed = [po_id for po_id in self._pos if po_id not in current]
        if any(po.id in self._pos and self._pos[po.id].sku != po.sku for po in changed):
            self.discard("a purchase order's SKU changed")
            return
        if changed or removed:
            delta = StateDelta(
                purchase_orders=tuple(changed), removed_purchase_orders=tuple(removed)
            )
            self._pending |= engine.apply(delta)
            self._pos = current
