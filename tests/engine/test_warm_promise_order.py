"""Under ``promise_at_risk`` a queue is ranked by the promises of the plan before, so a warm engine
must replan a SKU whose last plan moved a promise, even when nothing about it changed since.

Found by the warm/cold differential test (tests/engine/test_warm_differential.py): two lines of one
order, ranked by their old promises, got the same new date; the next cold plan broke the tie by
line, the warm engine kept the old order. Customers see their position in the queue (``order N``,
the customer page), so the two daemons' answers must agree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from connector.engine import Engine, StateDelta, decide
from connector.settings import PolicyMode, PolicySettings
from tests.engine.builders import NOW, apply_plan, line, order, product, state, variant

DEFAULT = PolicySettings(name="default", mode=PolicyMode.STOP)
AT_RISK = PolicySettings(
    name="all", mode=PolicyMode.BACKORDER, queue_rule="promise_at_risk", lead_time_days=2
)


def _positions(plan_queue: tuple[object, ...]) -> list[str]:
    return [entry.line_id for entry in plan_queue]  # type: ignore[attr-defined]


def test_a_tie_made_by_new_promises_is_broken_the_same_warm_and_cold() -> None:
    first = order("A", NOW - timedelta(days=2), line("A-L0", "S", 1))
    second = order("B", NOW - timedelta(days=1), line("B-L0", "S", 1))
    shop = state(
        products=(product("P-S"),),
        variants=(variant("S", -2, pid="P-S"),),
        orders=(first, second),
    )
    # The plan before promised B an earlier date than A (say a purchase order since cancelled).
    made = decide(shop, [AT_RISK], DEFAULT, NOW).queue
    early = {"B-L0": NOW.date() + timedelta(days=1), "A-L0": NOW.date() + timedelta(days=9)}
    shop = replace(shop, previous_queue=tuple(replace(e, eta=early[e.line_id]) for e in made))

    engine = Engine([AT_RISK], DEFAULT)
    engine.load(shop)
    ranked_by_old_promises = engine.plan(NOW)
    assert _positions(ranked_by_old_promises.queue) == ["B-L0", "A-L0"]
    # Both now get the lead time's date: a tie, which the next plan breaks by order date.
    assert {e.eta for e in ranked_by_old_promises.queue} == {NOW.date() + timedelta(days=2)}

    after = apply_plan(shop, ranked_by_old_promises, NOW)
    later = NOW + timedelta(minutes=5)
    warm = engine.plan(later, engine.apply(StateDelta()))
    cold = decide(after, [AT_RISK], DEFAULT, later)
    assert _positions(cold.queue) == ["A-L0", "B-L0"]
    assert warm.queue == cold.queue
