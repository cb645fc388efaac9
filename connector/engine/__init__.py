"""The backorder engine: pure, a function of (state, policies, supply, now) returning a :class:`Plan`.

No I/O, no database, no platform. :mod:`connector.planning` builds the input from the state database.

Public API::

    decide(state: EngineState, policies: Sequence[PolicySettings],
           default_policy: PolicySettings, now: datetime) -> Plan

    engine = Engine(policies, default_policy)   # for incremental plans
    engine.load(state); plan = engine.plan(now)  # full
    engine.prepare_incremental()                 # optional: index every line up front
    keys = engine.apply(StateDelta(orders=(...,)))
    plan = engine.plan(now, keys)                # only the SKUs the change touched

How one SKU is decided (modules by noun): :mod:`.policies` picks the store owner's rule (first match
wins, else the default); :mod:`.supply` lays out what arrives when; :mod:`.detection` finds the lines
that wait (shortfalls at order time, pre-orders) and what left the queue; :mod:`.queue` orders the
waiting lines and :mod:`.allocation` gives them arriving stock; :mod:`.promises` gives each its ETA;
:mod:`.storefront` decides what the variant shows; :mod:`.events` diffs against the previous queue;
:mod:`.plan` keeps only what differs from the shop. :mod:`.metrics` reads the history for reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connector.engine.core import Engine, Skipped, variant_key
from connector.engine.state import EngineState, StateDelta
from connector.model import Plan
from connector.settings import PolicySettings

__all__ = ["Engine", "EngineState", "Skipped", "StateDelta", "decide", "variant_key"]


def decide(
    state: EngineState,
    policies: Sequence[PolicySettings],
    default_policy: PolicySettings,
    now: datetime,
) -> Plan:
    """A full plan for ``state``: what the shop should show, do and say, and the new queue.

    Pure and deterministic: the same arguments always give the same plan, and once a plan's
    storefront and order changes are applied (and its queue becomes ``previous_queue``), deciding
    again gives an empty plan.
    """
    engine = Engine(policies, default_policy)
    engine.load(state)
    return engine.plan(now)
