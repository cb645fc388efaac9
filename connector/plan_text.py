"""A plan in the store owner's words: what ``connector plan`` prints and the console's plan page
shows, one line per change, from one function so the two always say the same."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connector.engine.events import EXISTING
from connector.model import Plan

__all__ = ["PlanLine", "count", "plan_lines", "plan_notes", "plan_summary"]


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One change: ``section`` (storefront, order or email), what it is about, and what changes."""

    section: str
    target: str
    what: str
    rule: str = ""
    """Which policy decided it (``policy sofas``), empty when none did."""


def count(number: int, noun: str) -> str:
    """``1 line``, ``2 lines``."""
    return f"{number} {noun if number == 1 else noun + 's'}"


def _rule(rule: str) -> str:
    """Which policy decided a storefront change, as the owner wrote it in the config."""
    if not rule:
        return ""
    return ", ".join(
        "default policy" if part == "default_policy" else "policy " + part[9:-1]
        for part in rule.split(", ")
    )


def plan_lines(plan: Plan, numbers: Mapping[str, str]) -> list[PlanLine]:
    """Every storefront change, order action and email of ``plan``, in that order; ``numbers``
    maps order ids to the numbers the shop shows."""
    lines = []
    for change in plan.storefront:
        target = change.sku or f"product {change.product_id}"
        if change.kind.value == "inventory_policy" and change.policy is not None:
            what = f"selling when out of stock: {change.policy.value}"
        elif change.kind.value == "eta":
            what = f"label: {change.eta_label!r}" if change.eta_label else "label: (removed)"
        else:
            sign = "+" if change.kind.value == "add_tags" else "-"
            what = "tags " + " ".join(f"{sign}{tag}" for tag in change.tags)
        reason = f"  ({change.reason})" if change.reason else ""
        lines.append(PlanLine("storefront", target, f"{what}{reason}", _rule(change.rule)))
    for action in plan.order_actions:
        number = numbers.get(action.order_id, action.order_id)
        items = ", ".join(f"{line_id} x{units}" for line_id, units in action.lines)
        detail = items or " ".join(action.tags) or action.discount_code
        if action.kind.value == "release_hold" and not detail:
            detail = "every hold of ours on the order"
        extra = f" [{action.hold_reason}]" if action.hold_reason else ""
        lines.append(PlanLine("order", number, f"{action.kind.value} {detail}{extra}"))
    for note in plan.notifications:
        promised = note.promised_date.isoformat() if note.promised_date else "no date"
        lines.append(
            PlanLine(
                "email",
                note.order_number,
                f"{note.kind.value} to {note.email} (order {note.order_number}): {promised}",
            )
        )
    return lines


def plan_notes(plan: Plan) -> list[str]:
    """What the plan leaves out on purpose (lines placed before the first sync get no mail)."""
    quiet = [e for e in plan.events if e.kind.value == "detected" and e.detail.endswith(EXISTING)]
    if not quiet:
        return []
    orders = len({event.order_id for event in quiet})
    return [
        f"{count(len(quiet), 'waiting line')} of {count(orders, 'order')} placed before "
        "the first sync get no confirmation (notify_existing = false)"
    ]


def plan_summary(plan: Plan) -> str:
    """``3 storefront changes, 1 order actions, 2 emails, 4 lines waiting, 6 events``."""
    waiting = sum(1 for entry in plan.queue if entry.waiting)
    return (
        f"{len(plan.storefront)} storefront changes, {len(plan.order_actions)} order actions, "
        f"{len(plan.notifications)} emails, {waiting} lines waiting, {len(plan.events)} events"
    )
