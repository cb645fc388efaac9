"""The REST routes of ``/wp-json/wc/v3``: each turns a request into WooCommerce's answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from connector.sandbox.woocommerce.catalog import WooError, check_product_input, invalid_param
from connector.sandbox.woocommerce.listing import page_of
from connector.sandbox.woocommerce.payloads import (
    coupon_json,
    note_json,
    order_json,
    product_json,
    variation_json,
    webhook_json,
)
from connector.sandbox.woocommerce.records import Coupon, Item, Order, Webhook

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["Request", "Response", "RestApi"]

BATCH_LIMIT = 100
_DIGITS = r"(\d+)"
_NAMED_ID = r"(?P<id>[\d]+)"
TOPICS = (
    "order.created",
    "order.updated",
    "order.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
)


class Request:
    def __init__(
        self, method: str, path: str, query: Mapping[str, str], body: Any, url: str
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.url = url


Response = tuple[int, Any, list[tuple[str, str]]]
Handler = Callable[[Request, list[str]], Response]


def _no_route() -> WooError:
    return WooError(404, "rest_no_route", "No route was found matching the URL and request method.")


def _product_id_error(status: int) -> WooError:
    return WooError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")


def _variation_id_error(status: int) -> WooError:
    return WooError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")


class RestApi:
    """Routes under ``/wp-json/wc/v3``; reads and writes go through the sandbox's rules."""

    def __init__(self, store: WooCommerceSandbox) -> None:
        self.store = store
        reads = ("GET",)
        writes = ("POST", "PUT", "PATCH")
        self.routes: list[tuple[re.Pattern[str], tuple[str, ...], Handler]] = [
            (re.compile(r"/?"), reads, self.index),
            (re.compile(r"/system_status"), reads, self.system_status),
            (re.compile(r"/settings/products"), reads, self.settings_products),
            (re.compile(r"/products/tags"), (*reads, "POST"), self.tags),
            (re.compile(r"/products/batch"), writes, self.products_batch),
            (re.compile(r"/products"), (*reads, "POST"), self.products),
            (re.compile(r"/products/(\d+)"), (*reads, *writes, "DELETE"), self.product),
            (re.compile(r"/products/(\d+)/variations/batch"), writes, self.variations_batch),
            (re.compile(r"/products/(\d+)/variations"), (*reads, "POST"), self.variations),
            (
                re.compile(r"/products/(\d+)/variations/(\d+)"),
                (*reads, *writes, "DELETE"),
                self.variation,
            ),
            (re.compile(r"/orders/batch"), writes, self.orders_batch),
            (re.compile(r"/orders"), (*reads, "POST"), self.orders),
            (re.compile(r"/orders/(\d+)"), (*reads, *writes, "DELETE"), self.order),
            (re.compile(r"/orders/(\d+)/notes"), (*reads, "POST"), self.notes),
            (re.compile(r"/coupons"), (*reads, "POST"), self.coupons),
            (re.compile(r"/webhooks"), (*reads, "POST"), self.webhooks),
            (re.compile(r"/webhooks/(\d+)"), (*reads, *writes, "DELETE"), self.webhook),
        ]

    def route_name(self, path: str) -> str:
        for pattern, _, handler in self.routes:
            if pattern.fullmatch(path):
                return handler.__name__
        return "unknown"

    def handle(self, request: Request) -> Response:
        for pattern, methods, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match and request.method in methods:
                with self.store.lock:
                    return handler(request, list(match.groups()))
        raise _no_route()

    # --- helpers ------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return self.store.base_url

    def _product(self, product_id: int, status: int = 404) -> Item:
        item = self.store.catalog.items.get(product_id)
        if item is None or item.parent:
            raise _product_id_error(status)
        return item

    def _variation(self, parent: Item, variation_id: int, status: int = 404) -> Item:
        item = self.store.catalog.items.get(variation_id)
        if item is None or not item.parent:
            raise _variation_id_error(status)
        return item

    def _item_json(self, item: Item) -> dict[str, Any]:
        catalog = self.store.catalog
        if item.parent:
            return variation_json(catalog, item, self.base)
        return product_json(catalog, item, self.base)

    def _list(self, request: Request, rows: list[Any], render: Callable[[Any], Any]) -> Response:
        chunk, page = page_of(
            rows,
            request.query,
            request.url,
            created=lambda r: r.created,
            modified=lambda r: r.modified or r.created,
            ident=lambda r: r.id,
        )
        return 200, [render(row) for row in chunk], page.headers()

    def _batch(
        self,
        request: Request,
        create: Callable[[dict[str, Any]], Any],
        update: Callable[[dict[str, Any]], Any],
        delete: Callable[[int], Any],
        id_error: Callable[[int], WooError],
    ) -> Response:
        body = request.body if isinstance(request.body, dict) else {}
        count = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
        if count > BATCH_LIMIT:
            raise WooError(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            )
        fail = self.store.batch_failures()
        answer: dict[str, list[Any]] = {}
        writers: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
            ("create", create),
            ("update", update),
            ("delete", create),  # deletes go through `delete` below
        )
        for action, func in writers:
            if action not in body:
                continue
            results: list[Any] = []
            for index, entry in enumerate(body.get(action) or []):
                item_id = entry if action == "delete" else (entry or {}).get("id", 0)
                try:
                    if fail(index):
                        raise WooError(
                            500,
                            "woocommerce_rest_cannot_edit",
                            "Sorry, this item could not be saved.",
                        )
                    if action == "delete":
                        results.append(delete(int(entry)))
                    elif action == "update" and not entry.get("id"):
                        raise id_error(400)
                    else:
                        results.append(func(dict(entry)))
                except WooError as error:
                    results.append({"id": int(item_id or 0), "error": error.body()})
                except (TypeError, ValueError) as error:
                    results.append(
                        {
                            "id": int(item_id or 0) if str(item_id).isdigit() else 0,
                            "error": invalid_param("body", str(error)).body(),
                        }
                    )
            answer[action] = results
        return 200, answer, []

    # --- index, status, settings --------------------------------------------------------------
    def index(self, request: Request, args: list[str]) -> Response:
        routes = {
            "/wc/v3" + pattern.pattern.replace(_DIGITS, _NAMED_ID): {
                "namespace": "wc/v3",
                "methods": list(methods),
            }
            for pattern, methods, _ in self.routes[1:]
        }
        return 200, {"namespace": "wc/v3", "routes": {"/wc/v3": {}, **routes}}, []

    def system_status(self, request: Request, args: list[str]) -> Response:
        return 200, self.store.system_status(), []

    def settings_products(self, request: Request, args: list[str]) -> Response:
        value = "yes" if self.store.catalog.manage_stock_option else "no"
        setting = {
            "id": "woocommerce_manage_stock",
            "label": "Manage stock",
            "description": "Enable stock management",
            "type": "checkbox",
            "default": "yes",
            "value": value,
            "_links": {},
        }
        return 200, [setting], []

    # --- tags ----------------------------------------------------------------------------------
    def tags(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        if request.method == "POST":
            name = str((request.body or {}).get("name", "")).strip()
            if not name:
                raise invalid_param("name", "name is a required property.")
            if name.lower() in catalog.tag_by_name:
                raise WooError(
                    400,
                    "term_exists",
                    "A term with the name provided already exists in this taxonomy.",
                    resource_id=catalog.tag_by_name[name.lower()],
                )
            tag_id = catalog.tag_id(name)
            return 201, self._tag_json(tag_id), []
        rows = [self._tag_json(tag_id) for tag_id in sorted(catalog.tags)]
        search = request.query.get("search", "").lower()
        rows = [row for row in rows if search in row["name"].lower()]
        per_page = int(request.query.get("per_page", "10") or 10)
        page = int(request.query.get("page", "1") or 1)
        headers = [
            ("X-WP-Total", str(len(rows))),
            ("X-WP-TotalPages", str(-(-len(rows) // per_page))),
        ]
        return 200, rows[(page - 1) * per_page : page * per_page], headers

    def _tag_json(self, tag_id: int) -> dict[str, Any]:
        name, slug = self.store.catalog.tags[tag_id]
        return {"id": tag_id, "name": name, "slug": slug, "description": "", "count": 0}

    # --- products ------------------------------------------------------------------------------
    def products(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        if request.method == "POST":
            item = catalog.create(dict(request.body or {}))
            return 201, product_json(catalog, item, self.base), []
        query = request.query
        rows = [i for i in catalog.items.values() if not i.parent]
        status = query.get("status", "any")
        rows = [i for i in rows if (i.status != "trash" if status == "any" else i.status == status)]
        if query.get("sku"):
            skus = set(query["sku"].split(","))
            rows = [i for i in rows if i.sku in skus]
        if query.get("type"):
            rows = [i for i in rows if i.kind == query["type"]]
        if query.get("include"):
            wanted = {int(x) for x in query["include"].split(",") if x.strip().isdigit()}
            rows = [i for i in rows if i.id in wanted]
        if query.get("stock_status"):
            rows = [i for i in rows if i.stock_status == query["stock_status"]]
        return self._list(request, rows, lambda i: product_json(catalog, i, self.base))

    def product(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        product_id = int(args[0])
        if request.method == "GET":
            return 200, product_json(catalog, self._product(product_id), self.base), []
        if request.method == "DELETE":
            item = self._product(product_id)
            answer = product_json(catalog, item, self.base)
            self.store.delete_item(item, force=request.query.get("force") == "true")
            return 200, answer, []
        item = self._product(product_id, status=400)
        catalog.apply(item, dict(request.body or {}))
        return 200, product_json(catalog, item, self.base), []

    def products_batch(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog

        def update(entry: dict[str, Any]) -> Any:
            item = self._product(int(entry["id"]), status=400)
            catalog.apply(item, entry, validate_input=False)
            return product_json(catalog, item, self.base)

        def create(entry: dict[str, Any]) -> Any:
            return product_json(catalog, catalog.create(entry), self.base)

        def delete(item_id: int) -> Any:
            item = self._product(item_id, status=400)
            answer = product_json(catalog, item, self.base)
            self.store.delete_item(item, force=False)
            return answer

        return self._batch(request, create, update, delete, _product_id_error)

    # --- variations ----------------------------------------------------------------------------
    def variations(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        parent = self._product(int(args[0]))
        if request.method == "POST":
            item = catalog.create(dict(request.body or {}), parent=parent)
            return 201, variation_json(catalog, item, self.base), []
        rows = [
            catalog.items[c] for c in parent.children or () if catalog.items[c].status != "trash"
        ]
        return self._list(request, rows, lambda i: variation_json(catalog, i, self.base))

    def variation(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        parent = self._product(int(args[0]))
        if request.method == "GET":
            item = self._variation(parent, int(args[1]))
            return 200, variation_json(catalog, item, self.base), []
        item = self._variation(parent, int(args[1]), status=400)
        if request.method == "DELETE":
            answer = variation_json(catalog, item, self.base)
            self.store.delete_item(item, force=request.query.get("force") == "true")
            return 200, answer, []
        check_product_input(dict(request.body or {}))
        catalog.apply(item, dict(request.body or {}))
        return 200, variation_json(catalog, item, self.base), []

    def variations_batch(self, request: Request, args: list[str]) -> Response:
        catalog = self.store.catalog
        parent = self._product(int(args[0]), status=400)

        def update(entry: dict[str, Any]) -> Any:
            item = self._variation(parent, int(entry["id"]), status=400)
            if item.parent != parent.id:
                # Seen on 7.9: the wrong parent's batch endpoint moves the variation to it.
                self.store.reparent(item, parent)
            catalog.apply(item, entry, validate_input=False)
            return variation_json(catalog, item, self.base)

        def create(entry: dict[str, Any]) -> Any:
            return variation_json(catalog, catalog.create(entry, parent=parent), self.base)

        def delete(item_id: int) -> Any:
            item = self._variation(parent, item_id, status=400)
            answer = variation_json(catalog, item, self.base)
            self.store.delete_item(item, force=False)
            return answer

        return self._batch(request, create, update, delete, _variation_id_error)

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
            rows = [o for o in rows if query["search"].lower() in o.email.lower()]
        return self._list(request, rows, lambda o: order_json(catalog, o, self.base))

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

        return self._batch(request, create, update, delete, id_error)

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
        return self._list(request, rows, lambda c: coupon_json(c, self.base))

    # --- webhooks ------------------------------------------------------------------------------
    def webhooks(self, request: Request, args: list[str]) -> Response:
        store = self.store
        if request.method == "POST":
            body = dict(request.body or {})
            topic = str(body.get("topic", ""))
            if topic not in TOPICS:
                raise invalid_param("topic", "topic is not a valid webhook topic.")
            url = str(body.get("delivery_url", ""))
            if not url.startswith(("http://", "https://")):
                raise invalid_param("delivery_url", "delivery_url is not a valid URL.")
            hook = Webhook(store.next_id(), topic, url, str(body.get("secret", "")), store.now())
            if body.get("name"):
                hook.name = str(body["name"])
            hook.status = str(body.get("status", "active"))
            store.webhooks[hook.id] = hook
            store.hooks.ping(hook)
            return 201, webhook_json(hook, self.base), []
        rows = list(store.webhooks.values())
        status = request.query.get("status", "all")
        if status != "all":
            rows = [h for h in rows if h.status == status]
        return self._list(request, rows, lambda h: webhook_json(h, self.base))

    def webhook(self, request: Request, args: list[str]) -> Response:
        store = self.store
        hook = store.webhooks.get(int(args[0]))
        if hook is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        if request.method == "DELETE":
            answer = webhook_json(hook, self.base)
            del store.webhooks[hook.id]
            return 200, answer, []
        if request.method != "GET":
            body = dict(request.body or {})
            if "status" in body:
                hook.status = str(body["status"])
                if hook.status == "active":
                    hook.failures = 0
            if "secret" in body:
                hook.secret = str(body["secret"])
            if "delivery_url" in body:
                hook.delivery_url = str(body["delivery_url"])
            hook.modified = store.now()
        return 200, webhook_json(hook, self.base), []
