"""Fulfillment-order mutations: hold (and split), release our holds, split, fulfil."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.sandbox.shopify.records import SFulfillmentOrder, gid, parse_gid
from connector.sandbox.shopify.resolvers import supported_actions
from connector.sandbox.shopify.store import ShopData

__all__ = ["FULFILLMENT_MUTATIONS"]

HOLD_LIMIT = 10
"""Shopify allows each app at most ten holds on one fulfillment order."""


def _error(field: list[str] | None, message: str, code: str | None = None) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


def _fo(data: ShopData, value: str) -> SFulfillmentOrder | None:
    ref = parse_gid(value, "FulfillmentOrder")
    return data.fulfillment_orders.get(ref[1]) if ref else None


def _moves(
    fo: SFulfillmentOrder, items: list[dict[str, Any]] | None, field: str
) -> tuple[dict[int, int] | None, list[dict[str, Any]]]:
    if items is None:
        return None, []
    moves: dict[int, int] = {}
    errors = []
    lines = sorted(fo.remaining)
    for index, item in enumerate(items):
        ref = parse_gid(item["id"], "FulfillmentOrderLineItem")
        line = None
        if ref and ref[1] // 1000 == fo.id and ref[1] % 1000 < len(lines):
            line = lines[ref[1] % 1000]
        if line is None:
            errors.append(
                _error(
                    [field, str(index), "id"],
                    "Invalid fulfillment order line item id.",
                    "INVALID_LINE_ITEM_QUANTITY",
                )
            )
        elif not 0 < item["quantity"] <= fo.remaining[line][1]:
            errors.append(
                _error(
                    [field, str(index), "quantity"],
                    "Invalid fulfillment order line item quantity requested.",
                    "INVALID_LINE_ITEM_QUANTITY",
                )
            )
        else:
            moves[line] = item["quantity"]
    return moves, errors


def fo_hold(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    empty: dict[str, Any] = {
        "fulfillmentHold": None,
        "fulfillmentOrder": None,
        "remainingFulfillmentOrder": None,
    }
    fo = _fo(data, a["id"])
    if fo is None:
        return empty | {
            "userErrors": [
                _error(["id"], "Fulfillment order does not exist.", "FULFILLMENT_ORDER_NOT_FOUND")
            ]
        }
    spec = a["fulfillmentHold"]
    if "HOLD" not in supported_actions(fo) and fo.status in ("OPEN", "SCHEDULED"):
        return empty | {
            "userErrors": [
                _error(
                    ["id"],
                    "The fulfillment order was sent to a fulfillment service "
                    f"(request {fo.request_status.lower()}), so it cannot be held.",
                    None,
                )
            ]
        }
    if fo.status not in ("OPEN", "ON_HOLD", "SCHEDULED"):
        return empty | {
            "userErrors": [
                _error(
                    ["id"],
                    f"The fulfillment order's status is {fo.status.lower()}, so it cannot be held.",
                    None,
                )
            ]
        }
    handle = spec.get("handle")
    if handle and any(h.handle == handle for h in fo.holds):
        return empty | {
            "userErrors": [
                _error(
                    ["fulfillmentHold", "handle"],
                    "The handle provided for the fulfillment hold is already in use by this app for another hold on this fulfillment order.",
                    "DUPLICATE_FULFILLMENT_HOLD_HANDLE",
                )
            ]
        }
    if sum(1 for h in fo.holds if h.ours) >= HOLD_LIMIT:
        return empty | {
            "userErrors": [
                _error(
                    ["id"],
                    "The maximum number of fulfillment holds for this fulfillment order has been reached for this app.",
                    "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED",
                )
            ]
        }
    moves, errors = _moves(fo, spec.get("fulfillmentOrderLineItems"), "fulfillmentOrderLineItems")
    if errors:
        return empty | {"userErrors": errors}
    if fo.status == "ON_HOLD" and moves:
        return empty | {
            "userErrors": [
                _error(
                    ["fulfillmentHold", "fulfillmentOrderLineItems"],
                    "Line items cannot be specified for a fulfillment order that is already on hold.",
                    None,
                )
            ]
        }
    hold, remaining = data.hold(fo, spec["reason"], handle, moves)
    return {
        "fulfillmentHold": hold,
        "fulfillmentOrder": fo,
        "remainingFulfillmentOrder": remaining,
        "userErrors": [],
    }


def fo_release(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    fo = _fo(data, a["id"])
    if fo is None:
        return {
            "fulfillmentOrder": None,
            "userErrors": [
                _error(["id"], "Fulfillment order does not exist.", "FULFILLMENT_ORDER_NOT_FOUND")
            ],
        }
    if fo.status != "ON_HOLD":
        return {
            "fulfillmentOrder": None,
            "userErrors": [_error(["id"], "The fulfillment order is not on hold.", None)],
        }
    ids = None
    if a.get("holdIds") is not None:
        ids = []
        for value in a["holdIds"]:
            ref = parse_gid(value, "FulfillmentHold")
            if ref is None or not any(h.id == ref[1] for h in fo.holds):
                return {
                    "fulfillmentOrder": None,
                    "userErrors": [
                        _error(["holdIds"], "Invalid fulfillment hold id.", "INVALID_ACCESS")
                    ],
                }
            ids.append(ref[1])
    data.release(fo, ids)
    return {"fulfillmentOrder": fo, "userErrors": []}


def fo_split(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    results = []
    for spec in a["fulfillmentOrderSplits"]:
        fo = _fo(data, spec["fulfillmentOrderId"])
        if fo is None:
            return {
                "fulfillmentOrderSplits": None,
                "userErrors": [
                    _error(
                        ["fulfillmentOrderSplits", "fulfillmentOrderId"],
                        "Fulfillment order does not exist.",
                        "FULFILLMENT_ORDER_NOT_FOUND",
                    )
                ],
            }
        moves, errors = _moves(fo, spec["fulfillmentOrderLineItems"], "fulfillmentOrderLineItems")
        if errors or not moves:
            return {
                "fulfillmentOrderSplits": None,
                "userErrors": errors
                or [
                    _error(
                        ["fulfillmentOrderLineItems"],
                        "No line items provided.",
                        "NO_LINE_ITEMS_PROVIDED_TO_SPLIT",
                    )
                ],
            }
        new = data.split_off(fo, moves)
        results.append(
            {
                "fulfillmentOrder": fo,
                "remainingFulfillmentOrder": new,
                "replacementFulfillmentOrder": None,
            }
        )
    return {"fulfillmentOrderSplits": results, "userErrors": []}


def fulfillment_create(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    groups = a["fulfillment"]["lineItemsByFulfillmentOrder"]
    for group in groups:
        fo = _fo(data, group["fulfillmentOrderId"])
        if fo is None or fo.status not in ("OPEN", "IN_PROGRESS"):
            return {
                "fulfillment": None,
                "userErrors": [
                    _error(
                        ["fulfillment"],
                        "Fulfillment order does not exist."
                        if fo is None
                        else "Fulfillment order is not in a fulfillable state.",
                    )
                ],
            }
    for group in groups:
        fo = _fo(data, group["fulfillmentOrderId"])
        assert fo is not None
        moves, errors = _moves(
            fo, group.get("fulfillmentOrderLineItems"), "fulfillmentOrderLineItems"
        )
        if errors:
            return {"fulfillment": None, "userErrors": errors}
        data.fulfill(fo, moves)
    return {
        "fulfillment": {"id": gid("Fulfillment", data.next_id()), "status": "SUCCESS"},
        "userErrors": [],
    }


FULFILLMENT_MUTATIONS: dict[str, Callable[[ShopData, dict[str, Any]], dict[str, Any]]] = {
    "fulfillmentOrderHold": fo_hold,
    "fulfillmentOrderReleaseHold": fo_release,
    "fulfillmentOrderSplit": fo_split,
    "fulfillmentCreate": fulfillment_create,
}
