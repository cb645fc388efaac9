"""The sandbox's control API over HTTP (``/__sandbox/...``), the same operations as in-process."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from connector.sandbox.shopify.collection_control import collection_route

if TYPE_CHECKING:
    from connector.sandbox.shopify.app import ShopifySandbox

__all__ = ["handle"]

_NOT_FOUND = object()


def handle(
    store: ShopifySandbox, method: str, path: str, raw: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """``GET state|log|credentials``, ``POST advance|receive_stock|place_order|cancel_order|
    edit_order_line|refund_order_line|set_payment|submit_fulfillment|
    fulfill_order|faults|reset|uninstall``, ``GET bulk/{n}.jsonl``."""
    json_type = [("Content-Type", "application/json")]
    name = path[len("/__sandbox/") :]
    if name.startswith("bulk/") and name.endswith(".jsonl"):
        number = name[5:-6]
        file = store.bulk.path(int(number)) if number.isdigit() else None
        if file is None:
            return 404, json_type, b'{"errors":"Not Found"}'
        return 200, [("Content-Type", "application/jsonl")], file.read_bytes()
    try:
        args = json.loads(raw or b"{}")
        result = _call(store, method, name, args)
    except (ValueError, KeyError, TypeError) as error:
        return 400, json_type, json.dumps({"error": str(error)}).encode()
    if result is _NOT_FOUND:
        return 404, json_type, b'{"error":"unknown control route"}'
    return 200, json_type, json.dumps(result, default=str).encode()


def _call(store: ShopifySandbox, method: str, name: str, args: dict[str, Any]) -> Any:
    if method == "GET" and name == "state":
        return store.state()
    if method == "GET" and name == "stats":
        with store.data.lock:
            return {
                "products": len(store.data.products),
                "variants": len(store.data.variants),
                "orders": len(store.data.orders),
                "order_lines": len(store.data.lines),
            }
    if method == "GET" and name == "credentials":
        return dict(store.credentials())
    if method == "GET" and name == "log":
        return [
            vars(e)
            if hasattr(e, "__dict__")
            else {
                "method": e.method,
                "path": e.path,
                "status": e.status,
                "cost": e.cost,
                "fault": e.fault,
                "operation": e.operation,
            }
            for e in store.log.entries()
        ]
    if method != "POST":
        return _NOT_FOUND
    routed = collection_route(store, name, args)
    if routed is not None:
        return routed
    if name == "advance":
        return {"now": store.advance_clock(timedelta(seconds=float(args["seconds"]))).isoformat()}
    if name == "receive_stock":
        store.receive_stock(args["sku"], int(args["quantity"]))
        return {"ok": True}
    if name == "place_order":
        lines = [(str(sku), int(qty)) for sku, qty in args["lines"]]
        return {
            "id": store.place_order(
                args["email"],
                lines,
                name=args.get("name", ""),
                locale=args.get("locale"),
                financial=str(args.get("financial", "PAID")),
                test=bool(args.get("test", False)),
            )
        }
    if name == "refund_order_line":
        amount = args.get("amount")
        refund = store.refund_order_line(
            args["id"], args["sku"], int(args["quantity"]), None if amount is None else str(amount)
        )
        return {"ok": True, "id": refund}
    if name == "submit_fulfillment":
        store.submit_fulfillment(args["id"])
        return {"ok": True}
    if name == "set_payment":
        store.set_payment(args["id"], str(args["financial"]))
        return {"ok": True}
    if name == "cancel_order":
        store.cancel_order(args["id"])
        return {"ok": True}
    if name == "edit_order_line":
        store.edit_order_line(args["id"], args["sku"], int(args["quantity"]))
        return {"ok": True}
    if name == "fulfill_order":
        store.fulfill_order(args["id"])
        return {"ok": True}
    if name == "faults":
        if "rate" in args:
            store.faults.set_rate(float(args["rate"]), args.get("kinds"), args.get("seed"))
        if "kind" in args:
            store.faults.inject(args["kind"], int(args.get("count", 1)), args.get("path_contains"))
        if args.get("clear"):
            store.faults.clear()
        return {"ok": True}
    if name == "reset":
        store.reset()
        return {"ok": True}
    if name == "uninstall":
        store.uninstall()
        return {"ok": True}
    return _NOT_FOUND
