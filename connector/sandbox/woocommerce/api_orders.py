"""Order, note and coupon routes: ``/orders``, ``/orders/{id}/notes``, ``/coupons``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.sandbox.woocommerce.api_common import Request, Response, list_answer, run_batch
from connector.sandbox.woocommerce.catalog import WooError, invalid_param
from connector.sandbox.woocommerce.payloads import coupon_json, note_json, order_json
from connector.sandbox.woocommerce.records import Coupon, Order
from connector.sandbox.woocommerce.refunds import create_refund, refund_json

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["OrderRoutes"]


class OrderRoutes:
    """Reads and writes of orders (through the order rules), their notes, and coupons."""

    def __init__(self, store: WooCommerceSandbox) -> None:
        self.store = store

    @property
    def base(self) -> str:
        return self.store.base_url

    # --- orders --------------------------------------------------------------------------------
    def orders(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        orders = self.store.orders
        if request.method == "POST":
            order = orders.create(dict(request.body or {}))
            return 201, order_json(catalog, order, self.base), []
        query = request.query
        status = query.get("status", "any")
        if status == "any":
            rows = [o for o in orders.orders.values() if o.status != "trash"]
        else:
            wanted = set(status.split(","))
            rows = [o for o in orders.orders.values() if o.status in wanted]
        if query.get("include"):
            ids = {int(x) for x in query["include"].split(",") if x.strip().isdigit()}
            rows = [o for o in rows if o.id in ids]
        if query.get("search"):
            rows = [o for o in rows if _found_by_search(o, query["search"])]
        return list_answer(request, rows, lambda o: order_json(catalog, o, self.base))

    def order(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        orders = self.store.orders
        if request.method == "GET":
            return 200, order_json(catalog, orders.get(int(args[0])), self.base), []
        if request.method == "DELETE":
            order = orders.get(int(args[0]))
            orders.set_status(order, "trash")
            return 200, order_json(catalog, order, self.base), []
        order = orders.get(int(args[0]), status=400)
        orders.update(order, dict(request.body or {}))
        return 200, order_json(catalog, order, self.base), []

    def orders_batch(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        orders = self.store.orders

        def update(entry: dict[str, Any]) -> Any:
            order = orders.get(int(entry["id"]), status=400)
            orders.update(order, entry, validate_input=False)
            return order_json(catalog, order, self.base)

        def create(entry: dict[str, Any]) -> Any:
            return order_json(catalog, orders.create(entry), self.base)

        def delete(order_id: int) -> Any:
            order = orders.get(order_id, status=400)
            orders.set_status(order, "trash")
            return order_json(catalog, order, self.base)

        def id_error(status: int) -> WooError:
            return WooError(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

        return run_batch(
            self.store, request, create=create, update=update, delete=delete, id_error=id_error
        )

    def notes(self, request: Request, args: list[str]) -> Response:
        orders = self.store.orders
        order: Order = orders.get(int(args[0]))
        if request.method == "POST":
            body = dict(request.body or {})
            if not str(body.get("note", "")).strip():
                raise invalid_param("note", "note is a required property.")
            note = orders.add_note(
                order,
                str(body["note"]),
                bool(body.get("customer_note", False)),
                bool(body.get("added_by_user", False)),
            )
            return 201, note_json(order, note, self.base), []
        kind = request.query.get("type", "any")
        rows = [
            n
            for n in reversed(order.notes or [])
            if kind == "any" or (kind == "customer") == n.customer_note
        ]
        return 200, [note_json(order, n, self.base) for n in rows], []

    def refunds(self, request: Request, args: list[str]) -> Response:
        orders = self.store.orders
        order = orders.get(int(args[0]))
        if request.method == "POST":
            refund = create_refund(orders, order, dict(request.body or {}))
            return 201, refund_json(order, refund, self.base), []
        rows = [refund_json(order, r, self.base) for r in reversed(order.refunds or [])]
        return 200, rows, [("X-WP-Total", str(len(rows))), ("X-WP-TotalPages", "1")]

    # --- coupons -------------------------------------------------------------------------------
    def coupons(self, request: Request, args: list[str]) -> Response:
        store = self.store
        if request.method == "POST":
            body = dict(request.body or {})
            code = str(body.get("code", "")).strip().lower()
            if not code:
                raise invalid_param("code", "code is a required property.")
            if any(c.code == code for c in store.coupons.values()):
                raise WooError(
                    400,
                    "woocommerce_rest_coupon_code_already_exists",
                    "The coupon code already exists",
                )
            coupon = Coupon(store.next_id(), code, store.now())
            coupon.amount = str(body.get("amount", "0"))
            coupon.discount_type = str(body.get("discount_type", "fixed_cart"))
            coupon.emails = [str(e) for e in body.get("email_restrictions") or []]
            limit = body.get("usage_limit")
            coupon.usage = int(limit) if limit is not None else None
            store.coupons[coupon.id] = coupon
            return 201, coupon_json(coupon, self.base), []
        rows = list(store.coupons.values())
        if request.query.get("code"):
            rows = [c for c in rows if c.code == request.query["code"].lower()]
        return list_answer(request, rows, lambda c: coupon_json(c, self.base))


def _found_by_search(order: Order, term: str) -> bool:
    """As ``wc_order_search``: a numeric term is an order id; any term is matched anywhere in the
    billing address index (names and email here). An order's own number is not searched unless an
    extension adds it, and out of the box it is the id anyway."""
    text = term.strip()
    if text.isdigit() and int(text) == order.id:
        return True
    index = " ".join((order.first_name, order.last_name, order.email)).lower()
    return bool(text) and text.lower() in index
