"""Order actions: hold the backordered lines, release our own holds, tags, notes, discount codes.

Each order is re-read first (fulfillment orders, holds, note, tags; 25 orders a call, and once more
before a second action on an order already written to), so a rerun finds its own earlier work: a hold whose handle is already there, a note already written, a code already taken are all
``skipped``. Holds carry a deterministic ``bc-`` handle; releases name our hold ids only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from adapters.common import failed_write
from adapters.shopify.client import GraphQLClient
from adapters.shopify.cursor import iso
from adapters.shopify.fulfillment import IDS_PER_CALL, whole_fulfillment
from adapters.shopify.mapping import HOLD_PREFIX
from connector.clock import Clock
from connector.errors import ConnectorError
from connector.model import OrderAction, OrderActionKind, WriteResult, WriteStatus

__all__ = ["OrderWriter", "hold_handle"]

DEFAULT_DISCOUNT_PERCENT = Decimal(10)
HOLD_REASONS = ("INVENTORY_OUT_OF_STOCK", "UNKNOWN_DELIVERY_DATE")


def hold_handle(action: OrderAction) -> str:
    """Our handle for a hold: the action's own (prefixed) or a hash of order and lines."""
    if action.handle:
        return (
            action.handle if action.handle.startswith(HOLD_PREFIX) else HOLD_PREFIX + action.handle
        )
    lines = ",".join(f"{line}:{qty}" for line, qty in sorted(action.lines))
    return HOLD_PREFIX + hashlib.sha256(f"{action.order_id}|{lines}".encode()).hexdigest()[:16]


def discount_code(action: OrderAction) -> str:
    if action.discount_code:
        return action.discount_code
    return (
        "BC-"
        + hashlib.sha256(f"{action.order_id}|{action.handle}".encode()).hexdigest()[:10].upper()
    )


_ASPECT = {
    OrderActionKind.HOLD_LINES: "fulfillment",
    OrderActionKind.RELEASE_HOLD: "fulfillment",
    OrderActionKind.ADD_TAGS: "tags",
    OrderActionKind.REMOVE_TAGS: "tags",
    OrderActionKind.ADD_NOTE: "note",
}
"""What of an order each action reads and writes; a discount code reads only the customer."""


def _result(
    action: OrderAction, status: WriteStatus, message: str = "", retryable: bool = False
) -> WriteResult:
    return WriteResult(action.key, status, message, retryable)


def _may_hold(fulfillment_order: Mapping[str, Any]) -> bool:
    """Whether Shopify allows a hold on ``fulfillment_order`` now (``HOLD`` in its supported actions).

    A fulfillment order sent to a fulfillment service (``requestStatus`` SUBMITTED, ACCEPTED...)
    lacks it: only the service may act on it. An answer without the field is not refused here.
    """
    actions = fulfillment_order.get("supportedActions")
    if not isinstance(actions, list):
        return True
    return any(isinstance(a, Mapping) and a.get("action") == "HOLD" for a in actions)


def _holds(fulfillment_order: Mapping[str, Any], handle: str) -> bool:
    """Whether ``fulfillment_order`` carries a hold with our ``handle``."""
    return any(h.get("handle") == handle for h in fulfillment_order.get("fulfillmentHolds") or ())


def _user_errors(payload: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list((payload or {}).get("userErrors") or [])


class OrderWriter:
    def __init__(self, client: GraphQLClient, clock: Clock) -> None:
        self.client = client
        self.clock = clock

    def current(self, order_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """The orders of ``order_ids`` as the actions need them, ``IDS_PER_CALL`` a call.

        Absent ids are orders that do not exist. Whether ``nodes(ids:)`` is charged per id is not
        published; a batch requests under 900 points even if it is.
        """
        found: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(order_ids), IDS_PER_CALL):
            batch = list(order_ids[start : start + IDS_PER_CALL])
            data = self.client.run(
                "OrderFulfillment", {"ids": batch}, key=f"OrderFulfillment:{len(batch)}"
            )
            for node in data.get("nodes") or ():
                if isinstance(node, Mapping) and node.get("id") in batch:
                    found[str(node["id"])] = whole_fulfillment(self.client, node)
        return found

    def apply(self, actions: Sequence[OrderAction]) -> list[WriteResult]:
        results: list[WriteResult] = []
        wanted = [a.order_id for a in actions if a.order_id.startswith("gid://shopify/Order/")]
        try:
            known = self.current(list(dict.fromkeys(wanted)))
        except ConnectorError as error:
            return [failed_write(action.key, error) for action in actions]
        written: dict[str, set[str]] = {}  # order id -> what an earlier action wrote to it
        for action in actions:
            if not action.order_id.startswith("gid://shopify/Order/"):
                results.append(
                    _result(
                        action, WriteStatus.FAILED, f"{action.order_id!r} is not a Shopify order id"
                    )
                )
                continue
            aspect = _ASPECT.get(action.kind, "")
            try:
                if aspect and aspect in written.get(action.order_id, ()):
                    # An earlier action wrote what this one reads (a hold splits fulfillment
                    # orders, a note grows): read the order again, and only then.
                    known.update(self.current([action.order_id]))
                    written[action.order_id].clear()
                order = known.get(action.order_id)
                if order is None:
                    results.append(_result(action, WriteStatus.FAILED, "order does not exist"))
                else:
                    results.append(self._one(action, order))
                    written.setdefault(action.order_id, set()).add(aspect)
            except ConnectorError as error:
                results.append(failed_write(action.key, error))
                # Part of it may have been written before the error.
                written.setdefault(action.order_id, set()).update(_ASPECT.values())
        return results

    def _one(self, action: OrderAction, order: Mapping[str, Any]) -> WriteResult:
        kind = action.kind
        if kind is OrderActionKind.HOLD_LINES:
            return self._hold(action, order)
        if kind is OrderActionKind.RELEASE_HOLD:
            return self._release(action, order)
        if kind in (OrderActionKind.ADD_TAGS, OrderActionKind.REMOVE_TAGS):
            return self._tags(action, order)
        if kind is OrderActionKind.ADD_NOTE:
            return self._note(action, order)
        if kind is OrderActionKind.CREATE_DISCOUNT:
            return self._discount(action, order)
        return _result(action, WriteStatus.FAILED, f"unsupported action {kind}")

    def _hold(self, action: OrderAction, order: Mapping[str, Any]) -> WriteResult:
        handle = hold_handle(action)
        fulfillment_orders = list(((order.get("fulfillmentOrders") or {}).get("nodes")) or [])
        wanted = dict(action.lines)
        # A hold spans one call per fulfillment order; an earlier run may have held some and
        # failed on the next. What our handle already holds counts as done, the rest is held now.
        held = [fo for fo in fulfillment_orders if _holds(fo, handle)]
        for fo in held:
            for item in ((fo.get("lineItems") or {}).get("nodes")) or ():
                line = str((item.get("lineItem") or {}).get("id"))
                if line in wanted:
                    wanted[line] -= min(wanted[line], int(item.get("remainingQuantity") or 0))
        if held and not any(quantity > 0 for quantity in wanted.values()):
            return _result(action, WriteStatus.SKIPPED, "already held")
        if order.get("cancelledAt"):
            return _result(action, WriteStatus.CONFLICT, "order was cancelled")
        reason = (
            action.hold_reason if action.hold_reason in HOLD_REASONS else "INVENTORY_OUT_OF_STOCK"
        )
        plans: list[tuple[str, list[dict[str, Any]]]] = []
        sent_away: list[str] = []
        for fo in fulfillment_orders:
            if fo.get("status") not in ("OPEN", "SCHEDULED") or _holds(fo, handle):
                continue
            if not _may_hold(fo):
                if any(
                    wanted.get(str((item.get("lineItem") or {}).get("id")), 0) > 0
                    for item in ((fo.get("lineItems") or {}).get("nodes")) or ()
                ):
                    sent_away.append(str(fo.get("requestStatus") or "").lower())
                continue
            items = []
            for item in ((fo.get("lineItems") or {}).get("nodes")) or ():
                line = str((item.get("lineItem") or {}).get("id"))
                quantity = min(wanted.get(line, 0), int(item.get("remainingQuantity") or 0))
                if quantity > 0:
                    if not isinstance(item.get("id"), str):
                        return _result(action, WriteStatus.FAILED, f"line {line} came without id")
                    items.append({"id": item["id"], "quantity": quantity})
                    wanted[line] -= quantity
            if items:
                if not isinstance(fo.get("id"), str):
                    return _result(action, WriteStatus.FAILED, "fulfillment order without id")
                plans.append((str(fo["id"]), items))
        refused = (
            "the fulfillment order was sent to a fulfillment service (request "
            f"{sent_away[0] or 'sent'}), and Shopify allows no hold on it then; ask it to hold "
            "the backordered line, or cancel the request in Shopify"
            if sent_away
            else ""
        )
        if refused and not plans:
            return _result(action, WriteStatus.FAILED, f"not held: {refused}")
        if not plans:
            if held:
                return _result(action, WriteStatus.SKIPPED, "already held")
            return _result(
                action, WriteStatus.CONFLICT, "no open fulfillment order holds these lines"
            )
        for fo_id, items in plans:
            hold = {
                "reason": reason,
                "handle": handle,
                "fulfillmentOrderLineItems": items,
                "notifyMerchant": False,
            }
            data = self.client.run("FulfillmentOrderHold", {"id": fo_id, "hold": hold})
            errors = _user_errors(data.get("fulfillmentOrderHold"))
            if errors and errors[0].get("code") != "DUPLICATE_FULFILLMENT_HOLD_HANDLE":
                return _result(action, WriteStatus.FAILED, str(errors[0].get("message")))
        if refused:
            return _result(action, WriteStatus.FAILED, f"partly held: {refused}")
        return _result(action, WriteStatus.DONE)

    def _release(self, action: OrderAction, order: Mapping[str, Any]) -> WriteResult:
        ours = hold_handle(action) if (action.handle or action.lines) else None
        released = 0
        for fo in ((order.get("fulfillmentOrders") or {}).get("nodes")) or ():
            hold_ids = [
                str(h["id"])
                for h in fo.get("fulfillmentHolds") or ()
                if (h.get("handle") == ours)
                or (ours is None and str(h.get("handle") or "").startswith(HOLD_PREFIX))
            ]
            if not hold_ids:
                continue
            # Naming our hold ids keeps the merchant's and other apps' holds in place.
            data = self.client.run(
                "FulfillmentOrderReleaseHold", {"id": fo["id"], "holdIds": hold_ids}
            )
            errors = _user_errors(data.get("fulfillmentOrderReleaseHold"))
            if errors:
                return _result(action, WriteStatus.FAILED, str(errors[0].get("message")))
            released += 1
        if not released:
            return _result(action, WriteStatus.SKIPPED, "no hold of ours to release")
        return _result(action, WriteStatus.DONE)

    def _tags(self, action: OrderAction, order: Mapping[str, Any]) -> WriteResult:
        current = {str(t).lower() for t in order.get("tags") or ()}
        adding = action.kind is OrderActionKind.ADD_TAGS
        todo = [t for t in action.tags if (t.lower() not in current) == adding]
        if not todo:
            return _result(action, WriteStatus.SKIPPED, "already so")
        name, field = ("TagsAdd", "tagsAdd") if adding else ("TagsRemove", "tagsRemove")
        errors = _user_errors(
            self.client.run(name, {"id": action.order_id, "tags": todo}).get(field)
        )
        if errors:
            return _result(action, WriteStatus.FAILED, str(errors[0].get("message")))
        return _result(action, WriteStatus.DONE)

    def _note(self, action: OrderAction, order: Mapping[str, Any]) -> WriteResult:
        current = str(order.get("note") or "")
        if not action.note or action.note in current:
            return _result(action, WriteStatus.SKIPPED, "already so")
        note = f"{current}\n{action.note}".strip()
        data = self.client.run("OrderUpdate", {"input": {"id": action.order_id, "note": note}})
        errors = _user_errors(data.get("orderUpdate"))
        if errors:
            return _result(action, WriteStatus.FAILED, str(errors[0].get("message")))
        return _result(action, WriteStatus.DONE)

    def _discount(self, action: OrderAction, order: Mapping[str, Any]) -> WriteResult:
        code = discount_code(action)
        customer = (order.get("customer") or {}).get("id")
        if not customer:
            # Without a customer to tie it to, the code would work for anyone who learns it.
            return _result(
                action,
                WriteStatus.FAILED,
                "order has no customer; a discount code for it would be usable by anyone",
            )
        chosen = (
            DEFAULT_DISCOUNT_PERCENT if action.discount_percent is None else action.discount_percent
        )
        percent = float(chosen) / 100
        discount: dict[str, Any] = {
            "title": f"Thanks for waiting ({code})",
            "code": code,
            "startsAt": iso(self.clock()),
            "customerGets": {"value": {"percentage": percent}, "items": {"all": True}},
            "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "context": {"customers": {"add": [customer]}},
        }
        data = self.client.run("DiscountCodeBasicCreate", {"discount": discount})
        errors = _user_errors(data.get("discountCodeBasicCreate"))
        if errors:
            if errors[0].get("code") == "TAKEN":
                return _result(action, WriteStatus.SKIPPED, f"code {code} already exists")
            return _result(action, WriteStatus.FAILED, str(errors[0].get("message")))
        return _result(action, WriteStatus.DONE, code)
