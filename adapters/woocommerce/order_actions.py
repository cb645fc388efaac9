"""Order actions on WooCommerce, which has no fulfillment holds.

* HOLD_LINES / RELEASE_HOLD: order meta ``_bc_hold`` (``{handle: {"lines": {line: qty}, "reason"}}``),
  so :attr:`OrderLine.on_hold` reads back true, and the hold in words in the visible meta field
  :data:`~adapters.woocommerce.hold_notes.HOLD_STATUS_KEY`, both in the order's one batch item; an
  internal note only when held lines are ready to ship (see :mod:`adapters.woocommerce.hold_notes`);
* ADD_TAGS / REMOVE_TAGS: order meta ``_bc_tags`` (a JSON list);
* ADD_NOTE: an internal note (``customer_note: false``; a customer note would make WooCommerce mail
  the customer on top of our own mail), skipped when the same text is already there;
* CREATE_DISCOUNT: a percent coupon restricted to the customer's email, skipped when the code exists.

Meta writes go through ``orders/batch``; a meta-only update does not move ``date_modified``, so our
own writes are never expected back through polling. Retried notes and coupons look first, so a
write whose answer was lost is not made twice.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.common import failed_write
from adapters.woocommerce.client import PER_PAGE, WooClient, batch_updates, item_error
from adapters.woocommerce.hold_notes import HOLD_STATUS_KEY, held_units, hold_status, release_note
from adapters.woocommerce.mapping import (
    HOLD_KEY,
    ORDER_TAGS_KEY,
    held_lines,
    meta_value,
    order_tags,
)
from adapters.woocommerce.reader import Reader
from connector.errors import ConnectorError, PlatformDetails, PlatformItemError, RetryableError
from connector.model import OrderAction, OrderActionKind, WriteResult, WriteStatus

__all__ = ["OrderActionWriter"]

Row = Mapping[str, Any]
HOLD_KINDS = (OrderActionKind.HOLD_LINES, OrderActionKind.RELEASE_HOLD)
META_KINDS = (
    *HOLD_KINDS,
    OrderActionKind.ADD_TAGS,
    OrderActionKind.REMOVE_TAGS,
)


def _hold_text(holds: Mapping[str, Any]) -> str | None:
    return json.dumps(holds, sort_keys=True) if holds else None


def _tags_text(tags: frozenset[str]) -> str | None:
    return json.dumps(sorted(tags)) if tags else None


class OrderActionWriter:
    def __init__(self, client: WooClient, reader: Reader) -> None:
        self.client = client
        self.reader = reader

    def apply(self, actions: Sequence[OrderAction]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(actions)
        ids = [a.order_id for a in actions if a.kind in META_KINDS and a.order_id.isdigit()]
        try:
            orders = {str(row["id"]): row for row in self.reader.orders_by_id(ids)} if ids else {}
        except ConnectorError as error:
            return [failed_write(a.key, error) for a in actions]
        # A working copy: a meta WooCommerce answers as an object is the row's own dict, and
        # editing it in place would make the row look already changed, so nothing was written.
        holds = {oid: copy.deepcopy(held_lines(row)) for oid, row in orders.items()}
        tags = {oid: order_tags(row) for oid, row in orders.items()}
        changed: dict[str, list[int]] = {}
        for index, action in enumerate(actions):
            if action.kind not in META_KINDS:
                continue
            oid = action.order_id
            if oid not in orders:
                results[index] = WriteResult(action.key, WriteStatus.FAILED, "order not found")
                continue
            if not self._change(action, holds[oid], tags, oid):
                results[index] = WriteResult(action.key, WriteStatus.SKIPPED, "already so")
                continue
            changed.setdefault(oid, []).append(index)
        notes = self._hold_notes(actions, orders, holds, changed)
        failed = self._write_meta(orders, holds, tags, changed)
        for oid, indexes in changed.items():
            for index in indexes:
                problem = failed.get(oid)
                results[index] = (
                    failed_write(actions[index].key, problem)
                    if problem
                    else WriteResult(actions[index].key, WriteStatus.DONE)
                )
        for index, note in notes:
            if failed.get(actions[index].order_id) is None:
                try:
                    self._note(actions[index].order_id, note, check_first=False)
                except ConnectorError as error:
                    results[index] = WriteResult(
                        actions[index].key,
                        WriteStatus.FAILED,
                        f"hold recorded, audit note failed: {error}",
                        isinstance(error, RetryableError),
                    )
        for index, action in enumerate(actions):
            if action.kind is OrderActionKind.ADD_NOTE:
                results[index] = self._add_note(action)
            elif action.kind is OrderActionKind.CREATE_DISCOUNT:
                results[index] = self._discount(action)
            elif results[index] is None:
                results[index] = WriteResult(action.key, WriteStatus.FAILED, "bad order id")
        return [r for r in results if r is not None]

    @staticmethod
    def _hold_notes(
        actions: Sequence[OrderAction],
        orders: Mapping[str, Row],
        holds: Mapping[str, dict[str, Any]],
        changed: Mapping[str, list[int]],
    ) -> list[tuple[int, str]]:
        """A note for each order whose held lines are now ready to ship, carried by its last hold
        or release action; a new hold or an ended order leaves none (the status field says it)."""
        notes = []
        for oid, indexes in changed.items():
            hold_indexes = [i for i in indexes if actions[i].kind in HOLD_KINDS]
            if not hold_indexes:
                continue
            row = orders[oid]
            text = release_note(row, held_units(held_lines(row)), held_units(holds[oid]))
            if text:
                notes.append((hold_indexes[-1], text))
        return notes

    @staticmethod
    def _change(
        action: OrderAction,
        holds: dict[str, Any],
        tags: dict[str, frozenset[str]],
        oid: str,
    ) -> bool:
        """Apply one action to the working copy; False when it changes nothing."""
        if action.kind is OrderActionKind.HOLD_LINES:
            handle = action.handle or "backorder"
            wanted = {
                "lines": dict(action.lines),
                "reason": action.hold_reason,
            }
            if holds.get(handle) == wanted:
                return False
            holds[handle] = wanted
            return True
        if action.kind is OrderActionKind.RELEASE_HOLD:
            names = [action.handle] if action.handle else list(holds)
            if not any(name in holds for name in names):
                return False
            for name in names:
                holds.pop(name, None)
            return True
        current = tags[oid]
        if action.kind is OrderActionKind.ADD_TAGS:
            new = current | set(action.tags)
        else:
            new = current - set(action.tags)
        if new == current:
            return False
        tags[oid] = frozenset(new)
        return True

    def _write_meta(
        self,
        orders: Mapping[str, Row],
        holds: Mapping[str, dict[str, Any]],
        tags: Mapping[str, frozenset[str]],
        changed: Mapping[str, list[int]],
    ) -> dict[str, ConnectorError]:
        failed: dict[str, ConnectorError] = {}
        updates = []
        for oid in changed:
            meta = []
            if _hold_text(holds[oid]) != _hold_text(held_lines(orders[oid])):
                meta.append({"key": HOLD_KEY, "value": _hold_text(holds[oid])})
                says = hold_status(orders[oid], holds[oid])
                if says != (meta_value(orders[oid], HOLD_STATUS_KEY) or None):
                    meta.append({"key": HOLD_STATUS_KEY, "value": says})
            if tags[oid] != order_tags(orders[oid]):
                meta.append({"key": ORDER_TAGS_KEY, "value": _tags_text(tags[oid])})
            if meta:
                updates.append({"id": int(oid), "meta_data": meta})
        for start in range(0, len(updates), PER_PAGE):
            chunk = updates[start : start + PER_PAGE]
            try:
                # Meta values are absolute, so a retried batch leaves the same state behind.
                reply = self.client.post("orders/batch", {"update": chunk}).body
                items = batch_updates("orders/batch", reply, len(chunk))
            except ConnectorError as error:
                for update in chunk:
                    failed[str(update["id"])] = error
                continue
            for update, item in zip(chunk, items, strict=True):
                error_of = item_error(item)
                if error_of is not None:
                    status, problem = error_of
                    details = PlatformDetails("woocommerce", status, None, str(problem.get("code")))
                    failed[str(update["id"])] = PlatformItemError(
                        str(problem.get("message", "failed")), details
                    )
        return failed

    def _note(self, order_id: str, text: str, *, check_first: bool) -> WriteStatus:
        path = f"orders/{order_id}/notes"
        attempts = 0

        def attempt() -> WriteStatus:
            nonlocal attempts
            attempts += 1
            if check_first or attempts > 1:
                existing = self.client.once("GET", path).body
                if any(isinstance(n, Mapping) and n.get("note") == text for n in existing or ()):
                    return WriteStatus.SKIPPED
            self.client.once("POST", path, None, {"note": text, "customer_note": False})
            return WriteStatus.DONE

        return self.client.retrying(attempt)

    def internal_note(self, order_id: str, text: str) -> WriteStatus:
        """An internal note on the order (never mailed) that tells of a write just made: posted
        without reading the notes first (the write it tells of happens once, so its note does;
        a second hold after a release is told again). A try whose answer was lost reads first,
        so a retry does not post it twice."""
        return self._note(order_id, text, check_first=False)

    def _add_note(self, action: OrderAction) -> WriteResult:
        if not action.note.strip() or not action.order_id.isdigit():
            return WriteResult(action.key, WriteStatus.FAILED, "empty note or bad order id")
        try:
            status = self._note(action.order_id, action.note, check_first=True)
        except ConnectorError as error:
            return failed_write(action.key, error)
        return WriteResult(
            action.key, status, "already there" if status is WriteStatus.SKIPPED else ""
        )

    def _discount(self, action: OrderAction) -> WriteResult:
        code = action.discount_code.strip().lower()
        if not code or action.discount_percent is None or not action.customer_email:
            return WriteResult(action.key, WriteStatus.FAILED, "code, percent and email are needed")

        def attempt() -> WriteStatus:
            found = self.client.once("GET", "coupons", {"code": code}).body
            if isinstance(found, list) and found:
                return WriteStatus.SKIPPED
            self.client.once(
                "POST",
                "coupons",
                None,
                {
                    "code": code,
                    "discount_type": "percent",
                    "amount": str(action.discount_percent),
                    "individual_use": True,
                    "usage_limit": 1,
                    "email_restrictions": [action.customer_email],
                    "description": f"Backorder apology for order {action.order_id}",
                },
            )
            return WriteStatus.DONE

        try:
            status = self.client.retrying(attempt)
        except ConnectorError as error:
            return failed_write(action.key, error)
        return WriteResult(
            action.key, status, "code exists" if status is WriteStatus.SKIPPED else ""
        )
