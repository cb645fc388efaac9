"""The engine's I/O edge: read one shop's state from the database, run the engine, return the plan.

Nothing here writes: the caller (``connector plan``, the daemon's cycle) decides what to do with the
plan. The cycle applies it and then stores ``plan.queue`` (``replace_queue``) and ``plan.events``
(``append_events``), which is what the next plan compares against.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connector.db.store import StateStore
from connector.engine import EngineState, decide
from connector.engine.events import heads_up_told, news_owed, was_mailed
from connector.model import (
    BackorderEvent,
    OrderStatus,
    Plan,
    Shop,
    utc,
)
from connector.settings import Settings, ShopSettings

__all__ = [
    "contact_times",
    "load_engine_state",
    "load_shop_state",
    "plan_for_shop",
    "plan_with_state",
    "shop_record",
]

RECENT_DAYS = 45
"""Closed and cancelled orders changed this recently still matter (a queued line may have left)."""


def shop_record(store: StateStore, shop: ShopSettings) -> Shop:
    """The shop as the database knows it, else as the config describes it."""
    for known in store.shops():
        if known.name == shop.name:
            return known
    return Shop(
        name=shop.name,
        platform=shop.platform,
        currency=shop.currency,
        locale=shop.locale,
        timezone=shop.timezone,
    )


def contact_times(events: list[BackorderEvent]) -> dict[str, datetime]:
    """The last time each order's customer was written to, from the history.

    Only events that came with a message count (:func:`connector.engine.events.was_mailed`): a
    partly filled line, a date moved earlier or a heads-up recorded silently would otherwise push
    the next reminder back though nobody was told anything.
    """
    last: dict[str, datetime] = {}
    for event in events:
        if event.order_id and was_mailed(event):
            seen = last.get(event.order_id)
            if seen is None or event.at > seen:
                last[event.order_id] = event.at
    return last


def load_engine_state(
    store: StateStore, shop: ShopSettings, now: datetime, reminder_days: int = 30
) -> EngineState:
    """Everything the engine needs about ``shop``: catalog, open and recently changed orders,
    open purchase orders, the queue promised last time and when each customer last heard from us.

    ``reminder_days`` bounds how far back the history is read for contact times and heads-ups told:
    a customer not written to within it is due a reminder anyway; pass at least the longest
    ``ship_soon_days`` too (:func:`plan_with_state` does).
    """
    now = utc(now)
    name = shop.name
    # The history first, and only what is drawn from it kept: its rows are gone before the
    # orders come, so the orders fill their place instead of leaving holes around them (read
    # last, 200k events at the benchmark shop raised the daemon's RSS by 110 MB for good).
    history = store.events(name, since=now - timedelta(days=reminder_days + 1))
    contacted = contact_times(history)
    heads_up, owed = heads_up_told(history), news_owed(history, contacted)
    del history
    orders = {o.platform_id: o for o in store.orders(name, statuses=[OrderStatus.OPEN])}
    # Only the other statuses: the open ones are in already (reading them twice doubled the
    # read of a shop whose open orders changed lately: all of them, after a first sync).
    others = [status for status in OrderStatus if status is not OrderStatus.OPEN]
    for order in store.orders(name, statuses=others, since=now - timedelta(days=RECENT_DAYS)):
        orders.setdefault(order.platform_id, order)
    previous = store.queue(name, orders=orders)
    for entry in previous:
        if entry.order_id not in orders:
            # A queued order that changed long ago: read it, so its line can leave the queue.
            found = store.order(name, entry.order_id)
            if found is not None:
                orders[found.platform_id] = found
    return EngineState(
        shop=shop_record(store, shop),
        products=tuple(store.products(name)),
        variants=tuple(store.variants(name)),
        orders=tuple(sorted(orders.values(), key=lambda o: (o.created_at, o.platform_id))),
        purchase_orders=tuple(store.purchase_orders(name, open_only=True)),
        previous_queue=tuple(previous),
        last_contacted=contacted,
        heads_up=heads_up,
        news_owed=owed,
        quiet_before=None if shop.notify_existing else store.first_synced_at(name),
    )


def plan_for_shop(db: StateStore, settings: Settings, shop_name: str, now: datetime) -> Plan:
    """Read ``shop_name``'s state from ``db`` and decide. Writes nothing."""
    return plan_with_state(db, settings, shop_name, now)[1]


def plan_with_state(
    db: StateStore, settings: Settings, shop_name: str, now: datetime
) -> tuple[EngineState, Plan]:
    """Like :func:`plan_for_shop`, also returning the state decided from (for explanations)."""
    state = load_shop_state(db, settings, shop_name, now)
    return state, decide(state, settings.policies, settings.default_policy, now)


def load_shop_state(
    db: StateStore, settings: Settings, shop_name: str, now: datetime
) -> EngineState:
    """:func:`load_engine_state` for ``shop_name`` with the history window its policies need."""
    policies = (*settings.policies, settings.default_policy)
    # The history read back must also reach every heads-up still in its window (a heads-up is due
    # from ship_soon_days before the supply until it arrives), or it is sent again: with
    # reminders off the window was one day and a heads-up went out every other day.
    history_days = max(
        max(policy.reminder_every_days, policy.ship_soon_days) for policy in policies
    )
    return load_engine_state(db, settings.shop(shop_name), now, reminder_days=history_days)
