"""Assembling a plan from the SKUs worked out: storefront, order actions, notifications, reminders.

A mixin of :class:`connector.engine.core.Engine`, kept apart so each module stays small: the engine
works out SKUs, this turns their results into one :class:`Plan` per shop.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain
from operator import attrgetter, itemgetter

from connector.engine.events import EXISTING, MAILED, LineNotice, held_back
from connector.engine.index import StateIndex
from connector.engine.notifications import notification_for, reminder
from connector.engine.plan import order_actions, product_tag_changes, variant_changes
from connector.engine.policies import ManagedTags
from connector.engine.sku import SkuResult, release_of
from connector.engine.storefront import Availability, Desired
from connector.model import (
    BackorderEntry,
    BackorderEvent,
    BackorderEventKind,
    Notification,
    NotificationKind,
    Order,
    OrderAction,
    OrderActionKind,
    OrderStatus,
    Plan,
    Shop,
    StorefrontChange,
)
from connector.settings import PolicySettings

__all__ = ["PlanAssembly"]

_CONTACT_KINDS = frozenset(
    {
        NotificationKind.BACKORDER_CONFIRMATION,
        NotificationKind.PREORDER_CONFIRMATION,
        NotificationKind.DELAY,
        NotificationKind.REMINDER,
        NotificationKind.SHIP_SOON,
    }
)


_SELLING_LATER = frozenset({Availability.BACKORDER, Availability.PREORDER})

_sku = attrgetter("sku")
_first = itemgetter(0)


@lru_cache(maxsize=256)
def _rule_text(name: str) -> str:
    """One shared string per policy: a cold plan may change every variant (90k in the bench)."""
    return f"policies[{name}]"


@lru_cache(maxsize=64)
def _single_tag(tag: str) -> frozenset[str]:
    return frozenset((tag,))


class PlanAssembly:
    """Turns worked-out SKUs into a plan; the :class:`Engine` provides the state it reads."""

    policies: tuple[PolicySettings, ...]
    default_policy: PolicySettings
    managed: ManagedTags
    shop: Shop
    _ix: StateIndex
    _desired: dict[str, Desired]
    _order_waiting: dict[str, tuple[BackorderEntry, ...]]
    _contacted: dict[str, datetime]
    _news_owed: set[str]
    _quiet_before: datetime | None

    def _policy_of(self, key: str) -> PolicySettings:
        raise NotImplementedError

    def _rule_of(self, key: str) -> str:
        """The config key of the policy that rules SKU ``key`` (``StorefrontChange.rule``)."""
        policy = self._ix.policy.get(key, self.default_policy)
        return "default_policy" if policy is self.default_policy else _rule_text(policy.name)

    def queue(self) -> tuple[BackorderEntry, ...]:
        raise NotImplementedError

    def _assemble(self, results: Sequence[SkuResult], now: datetime, full: bool) -> Plan:
        ix = self._ix
        shop = self.shop.name
        storefront: list[StorefrontChange] = []
        events: list[BackorderEvent] = []
        products: set[str] = set()
        orders: set[str] = set()
        rehold: set[str] = set()
        # Most orders hear one thing: their notice alone, no dict or list per order (a cold plan
        # confirms 180k orders; a dict and a list each were about 45 MiB of its peak).
        first: dict[str, LineNotice] = {}
        more: dict[str, list[LineNotice]] = {}
        reminding = False
        ships_now: dict[str, int] = {}
        for result in results:
            variant = ix.variants.get(result.key)
            desired = result.desired
            if variant is not None and desired is not None:
                products.add(variant.product_id)
                if (
                    (desired.policy is None or desired.policy is variant.inventory_policy)
                    and desired.eta_label == variant.eta_label
                    and desired.eta_date == variant.eta_date
                ):
                    pass  # the storefront already shows it: the usual case
                else:
                    rule = self._rule_of(result.key)
                    changes, sold = variant_changes(shop, variant, desired, now, rule)
                    storefront.extend(changes)
                    events.extend(sold)
            if not (result.queue or result.events or result.rehold):
                # Nothing queued, happened or held (90k SKUs of a full plan); notices and
                # ships-now lines only come with events and queued lines.
                continue
            events.extend(result.events)
            rehold.update(result.rehold)
            for notice in result.notices:
                order_id = notice.order_id
                if order_id not in first:
                    first[order_id] = notice
                elif order_id in more:
                    more[order_id].append(notice)
                else:
                    more[order_id] = [notice]
                if notice.kind is NotificationKind.REMINDER:
                    reminding = True
            ships_now.update(result.ships_now)
            if not full:
                # Orders whose lines are queued or just left the queue may need their tags redone.
                orders.update(entry.order_id for entry in result.queue)
                orders.update(event.order_id for event in result.events if event.order_id)
        order_waiting = self._order_waiting
        # The orders to look at: every order told, held again or waiting, and in a full plan every
        # order that carries a tag of ours. A full plan walks its waiting orders where they are and
        # collects only the others (nearly all of a cold plan's 180k orders told also wait, and
        # copying their ids into one more set was 3 % of it).
        look_at: Iterable[str]
        if full:
            others = {
                order_id for order_id in chain(first, rehold) if order_id not in order_waiting
            }
            others.update(
                order.platform_id
                for order in ix.orders.values()
                if order.tags
                and order.platform_id not in order_waiting
                and self.managed.of(order.tags)
            )
            look_at = chain(order_waiting, others)
        else:
            orders.update(first)
            orders.update(rehold)
            look_at = orders
        for product_id in sorted(products):
            product = ix.products.get(product_id)
            if product is None:
                continue
            wanted: set[str] = set()
            closed: set[str] = set()
            selling = False
            for key in ix.product_keys.get(product_id, ()):
                desired = self._desired.get(key)
                if desired is None:
                    continue
                if desired.state is Availability.SOLD_OUT:
                    closed |= desired.tags
                else:
                    wanted |= desired.tags
                    selling = selling or desired.state in _SELLING_LATER
            # A product tag speaks for the whole product: `no-backorders` only when no variant
            # takes backorders or pre-orders (each variant's own state is in its label).
            if not selling:
                wanted |= closed
            changes = product_tag_changes(shop, product, wanted, self.managed)
            if changes:  # rare: say which policies of its variants asked for them
                keys = ix.product_keys.get(product_id, ())
                rule = ", ".join(sorted({self._rule_of(key) for key in keys}))
                changes = product_tag_changes(shop, product, wanted, self.managed, rule)
            storefront.extend(changes)

        # First the orders that need something, in any order: in a full plan after the last one
        # was applied that is none of the 180k waiting orders, and sorting them all was a fifth
        # of such a plan. Every order with a notice is among ``orders``.
        managed_of = self.managed.of
        pending: list[
            tuple[str, Order, tuple[BackorderEntry, ...], frozenset[str], bool, bool]
        ] = []
        by_id = ix.orders
        for order_id in look_at:
            order = by_id.get(order_id)
            if order is None:
                continue
            waiting = order_waiting.get(order_id, ())
            wanted_tags = self._order_tags(waiting)
            # An open order is held again over what waits; any other (cancelled, refunded,
            # completed) only loses the hold we left on it.
            redo = order_id in rehold and (
                order.status is OrderStatus.OPEN or any(line.on_hold for line in order.lines)
            )
            tags = order.tags  # none on most orders before the first plan: no call then
            tagged = wanted_tags == (managed_of(tags) if tags else tags)
            if redo or order_id in first or not tagged:
                pending.append((order_id, order, waiting, wanted_tags, redo, tagged))
        pending.sort(key=_first)
        # Then one pass over them by order id: notifications, then hold and tags.
        actions: list[OrderAction] = []
        notifications: list[Notification] = []
        for order_id, order, waiting, wanted_tags, redo, tagged in pending:
            heard = first.get(order_id)
            if heard is not None:
                extra = more.get(order_id)
                if extra is None:
                    notifications.append(
                        self._notification(order, heard.kind, (heard,), waiting, ships_now, now)
                    )
                else:
                    self._notifications(
                        order, [heard, *extra], waiting, ships_now, now, out=notifications
                    )
            if not redo and tagged:
                continue
            # Positional (shop, order, hold, wanted_tags, managed): one call per waiting order.
            actions.extend(
                order_actions(shop, order, waiting if redo else None, wanted_tags, self.managed)
            )
        if self._quiet_before is not None:
            # An existing order found on the first sync was not confirmed; its reminders count
            # from now, as if it had been (the history says the same: DETECTED counts as told).
            for event in events:
                if event.kind is BackorderEventKind.DETECTED and event.detail.endswith(EXISTING):
                    self._contacted.setdefault(event.order_id, now)
        held: set[str] = set()
        if reminding:  # none in a cold plan: no pass over its 180k confirmations
            notifications, held = self._hold_back_early_reminders(notifications, now)
        if held:
            events = [
                held_back(event)
                if event.order_id in held
                and event.kind is BackorderEventKind.ETA_SET
                and event.detail.endswith(MAILED)
                else event
                for event in events
            ]
            self._news_owed |= held
        # Every notification so far came from a notice (``first``); held ones were among them.
        # Looked up where they are, not copied into new sets (180k order ids in a cold plan).
        candidates: Collection[str] = orders if not full else self._order_waiting.keys()
        if self._news_owed:
            candidates = {*candidates, *self._news_owed}
        reminders = self._reminders(now, candidates, first)
        for notification, reminder_events in reminders:
            notifications.append(notification)
            events.extend(reminder_events)
        for notification in notifications:
            if notification.kind in _CONTACT_KINDS:
                self._contacted[notification.order_id] = now
                if notification.order_id not in held:
                    # News held back in this very plan is still owed: the history reads it so
                    # (events.news_owed: held back at or after the last contact), and a cold
                    # engine loaded from that history must plan the same reminder.
                    self._news_owed.discard(notification.order_id)
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
        if len(entries) == 1:  # the usual case: one waiting line (``_order_tag`` inline)
            only = entries[0]
            policy = self._ix.policy.get(only.sku, self.default_policy)
            tag = policy.preorder_tag if only.preorder else policy.backorder_tag
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
        notices: Sequence[LineNotice],
        waiting: Sequence[BackorderEntry],
        ships_now: dict[str, int],
        now: datetime,
        *,
        out: list[Notification],
    ) -> None:
        """Add one notification per kind for ``order`` to ``out``, by kind (an order that hears
        more than one thing; the plan walks its orders in id order once)."""
        per_kind: dict[NotificationKind, list[LineNotice]] = {}
        for notice in notices:
            per_kind.setdefault(notice.kind, []).append(notice)
        for kind in sorted(per_kind):
            group = per_kind[kind]
            if len(group) > 1:
                group.sort(key=lambda notice: notice.line.line_id)
            out.append(self._notification(order, kind, group, waiting, ships_now, now))

    def _notification(  # noqa: PLR0917 - positional: one call per order told
        self,
        order: Order,
        kind: NotificationKind,
        group: Sequence[LineNotice],
        waiting: Sequence[BackorderEntry],
        ships_now: dict[str, int],
        now: datetime,
    ) -> Notification:
        """The notification of ``kind`` for ``order`` from its ``group`` of notices."""
        sku = group[0].line.sku
        policy = self._ix.policy.get(sku, self.default_policy)
        release = (
            release_of(policy, self._ix.variants.get(sku))
            if kind is NotificationKind.PREORDER_CONFIRMATION
            else None
        )
        # Positional: one call per order told (180k in a cold plan).
        return notification_for(
            self.shop.name, order, kind, group, now, ships_now, waiting, policy, release
        )

    def _hold_back_early_reminders(
        self, notifications: list[Notification], now: datetime
    ) -> tuple[list[Notification], set[str]]:
        """Reminders (a first date, a heads-up) to orders that get another mail in this plan or
        got one less than ``reminder_min_gap_hours`` ago are held back; returns the rest and the
        orders whose news is now owed (a reminder brings it once the gap has passed)."""
        others = {n.order_id for n in notifications if n.kind is not NotificationKind.REMINDER}
        kept: list[Notification] = []
        held: set[str] = set()
        for note in notifications:
            if note.kind is NotificationKind.REMINDER:
                gap = timedelta(hours=self._policy_of(note.lines[0].sku).reminder_min_gap_hours)
                last = self._contacted.get(note.order_id)
                if note.order_id in others or (last is not None and now - last < gap):
                    held.add(note.order_id)
                    continue
            kept.append(note)
        return kept, held

    def _reminders(
        self, now: datetime, candidates: Iterable[str], told: Container[str]
    ) -> list[tuple[Notification, list[BackorderEvent]]]:
        """Waiting customers not heard from in ``reminder_every_days`` get a reminder; those
        owed news held back get it once ``reminder_min_gap_hours`` have passed."""
        out: list[tuple[Notification, list[BackorderEvent]]] = []
        cadences = [p.reminder_every_days for p in (*self.policies, self.default_policy)]
        soonest = timedelta(days=max(0, min(cadences)))
        contacted = self._contacted
        owed = self._news_owed
        # Cheap tests first, before sorting: most waiting customers heard from us lately or
        # hear from us in this plan (a cold plan confirms 180k orders).
        due = [
            order_id
            for order_id in candidates
            if order_id not in told
            and (
                order_id in owed
                or (recent := contacted.get(order_id)) is None
                or now - recent >= soonest
            )
        ]
        for order_id in sorted(due):
            recent = contacted.get(order_id)
            waiting = self._order_waiting.get(order_id)
            order = self._ix.orders.get(order_id)
            if not waiting or order is None:
                owed.discard(order_id)
                continue
            # By SKU (a stable sort keeps each SKU's queue order); the first SKU's policy rules.
            entries = sorted(waiting, key=_sku) if len(waiting) > 1 else list(waiting)
            policy = self._policy_of(entries[0].sku)
            gap = timedelta(hours=policy.reminder_min_gap_hours)
            last = recent or min(entry.ordered_at for entry in entries)
            if order_id in owed:
                if now - last < gap:
                    continue
            elif policy.reminder_every_days <= 0 or now - last < max(
                gap, timedelta(days=policy.reminder_every_days)
            ):
                continue
            out.append(reminder(self.shop.name, order, entries, policy, now))
        return out
