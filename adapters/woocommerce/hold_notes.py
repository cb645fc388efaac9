"""What our hold of an order tells the shop's staff, as a person would write it.

Two places, chosen by what it costs and who must read it (issue 19):

* the order's **hold status** (:func:`hold_status`): the hold as it stands, in a visible order meta
  field (:data:`HOLD_STATUS_KEY`, shown under "Custom Fields" on the order page in wp-admin). It is
  written in the same ``orders/batch`` item as the hold itself, so holding 1,000 new orders costs
  10 requests, not 1,000 note requests; it is removed when nothing is held any more;
* an internal **note** (:func:`release_note`) only when a person must act on it: lines we held
  are ready to ship now. A new hold asks nothing of anyone (the status says what not to ship), and
  an order that ended (cancelled, refunded, completed) needs nobody's action, so neither leaves a
  note. Notes are internal (``customer_note: false``): WooCommerce mails customer notes.

A release followed by a new hold over fewer lines in one call reads "No longer waiting for stock,
ready to ship: 1 × Lamp. Still waiting: 2 × Sofa", not two notes naming handles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["HOLD_STATUS_KEY", "held_units", "hold_status", "listing", "names_of", "release_note"]

HOLD_STATUS_KEY = "Backorder hold"
"""The visible order meta field with :func:`hold_status` (no leading underscore: wp-admin hides
those). The hold itself, for the connector, stays in ``_bc_hold``."""

_OPEN = {"processing", "on-hold", "pre-ordered", "pending"}
NO_DATE = "UNKNOWN_DELIVERY_DATE"


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


def names_of(row: Mapping[str, Any]) -> dict[str, str]:
    """Line id -> the item's name (its SKU when it has none) of order ``row``."""
    names: dict[str, str] = {}
    for item in row.get("line_items") or ():
        if isinstance(item, Mapping) and "id" in item:
            names[str(item["id"])] = str(item.get("name") or item.get("sku") or "")
    return names


def listing(units: Mapping[str, int], names: Mapping[str, str]) -> str:
    """ "2 × Oak Sofa, 1 × Lamp": units per line id, named."""
    return ", ".join(
        f"{qty} × {names.get(line_id) or f'line {line_id}'}"
        for line_id, qty in sorted(units.items(), key=lambda pair: names.get(pair[0], pair[0]))
    )


def hold_status(row: Mapping[str, Any], holds: Mapping[str, Any]) -> str | None:
    """The hold of order ``row`` as it stands, for the order page; None when nothing is held.

    "Held back until stock arrives: 2 × Oak Sofa. The rest of the order can ship."
    """
    units = held_units(holds)
    if not units:
        return None
    names = names_of(row)
    no_date = any(
        isinstance(hold, Mapping) and hold.get("reason") == NO_DATE for hold in holds.values()
    )
    wait = "waiting for stock with no delivery date yet" if no_date else "until stock arrives"
    text = f"Held back {wait}: {listing(units, names)}."
    if set(names) - set(units):
        text += " The rest of the order can ship."
    return text


def release_note(
    row: Mapping[str, Any], before: Mapping[str, int], after: Mapping[str, int]
) -> str:
    """The note for lines of an open order that no longer wait and can ship; "" when there are none
    (nothing released, or the order ended and nobody must ship it)."""
    released = {k: v for k, v in before.items() if k not in after}
    if not released or str(row.get("status") or "") not in _OPEN:
        return ""
    names = names_of(row)
    text = f"No longer waiting for stock, ready to ship: {listing(released, names)}."
    if after:
        text += f" Still waiting: {listing(after, names)}."
    return text
