"""The internal order note that tells the shop's staff what our hold did, as a person would write it.

One note per order and call, from the hold before and after the call's actions: a release followed
by a new hold over fewer lines reads "1 × Lamp no longer waits ... Still waiting: 2 × Sofa", not two
notes naming handles. An order that ended (cancelled, refunded, completed) says so instead of
"can ship". Notes are internal (``customer_note: false``): WooCommerce mails customer notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["held_units", "hold_note"]

_ENDED = {
    "cancelled": "was cancelled",
    "refunded": "was refunded",
    "completed": "is completed",
    "trash": "was deleted",
    "failed": "failed",
}


def held_units(holds: Mapping[str, Any]) -> dict[str, int]:
    """Units held per line id, over every hold of ours on the order."""
    units: dict[str, int] = {}
    for hold in holds.values():
        lines = hold.get("lines") if isinstance(hold, Mapping) else None
        for line_id, qty in (lines or {}).items() if isinstance(lines, Mapping) else ():
            try:
                units[str(line_id)] = max(units.get(str(line_id), 0), int(qty))
            except (TypeError, ValueError):
                continue
    return units


def _names(row: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in row.get("line_items") or ():
        if isinstance(item, Mapping) and "id" in item:
            names[str(item["id"])] = str(item.get("name") or item.get("sku") or "")
    return names


def _listing(units: Mapping[str, int], names: Mapping[str, str]) -> str:
    return ", ".join(
        f"{qty} × {names.get(line_id) or f'line {line_id}'}"
        for line_id, qty in sorted(units.items(), key=lambda pair: names.get(pair[0], pair[0]))
    )


def hold_note(
    row: Mapping[str, Any],
    before: Mapping[str, int],
    after: Mapping[str, int],
    *,
    no_date: bool = False,
) -> str:
    """What changed in our hold of the order ``row``, for the shop's staff; "" when nothing did."""
    if dict(before) == dict(after):
        return ""
    names = _names(row)
    ended = _ENDED.get(str(row.get("status") or ""))
    if ended and not after:
        return f"No longer held for stock: the order {ended}."
    held = {k: v for k, v in after.items() if before.get(k) != v}
    released = {k: v for k, v in before.items() if k not in after}
    still = {k: v for k, v in after.items() if k not in held}
    parts = []
    if held:
        wait = "waiting for stock with no delivery date yet" if no_date else "until stock arrives"
        parts.append(f"Held back {wait}: {_listing(held, names)}.")
    if released:
        parts.append(f"No longer waiting for stock, ready to ship: {_listing(released, names)}.")
    if still and parts:
        parts.append(f"Still waiting: {_listing(still, names)}.")
    if held and not released and set(names) - set(after):
        parts.append("The rest of the order can ship.")
    return " ".join(parts)
