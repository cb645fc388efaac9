"""Product, variation and tag routes: ``/products``, ``/products/{id}/variations``, ``/products/tags``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.sandbox.woocommerce.api_common import Request, Response, list_answer, run_batch
from connector.sandbox.woocommerce.catalog import WooError, check_product_input, invalid_param
from connector.sandbox.woocommerce.payloads import product_json, variation_json
from connector.sandbox.woocommerce.records import Item

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["ProductRoutes"]


def _product_id_error(status: int) -> WooError:
    return WooError(status, "woocommerce_rest_product_invalid_id", "Invalid ID.")


def _variation_id_error(status: int) -> WooError:
    return WooError(status, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")


class ProductRoutes:
    """Reads and writes of products, variations and tags through the catalog's rules."""

    def __init__(self, store: WooCommerceSandbox) -> None:
        self.store = store

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
        # With ``sku`` WooCommerce queries variations too (post_type product and
        # product_variation) and answers them in the product schema, ``parent_id`` set.
        with_variations = bool(query.get("sku"))
        rows = [i for i in catalog.items.values() if with_variations or not i.parent]
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
        return list_answer(request, rows, lambda i: product_json(catalog, i, self.base))

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

        return run_batch(
            self.store,
            request,
            create=create,
            update=update,
            delete=delete,
            id_error=_product_id_error,
        )

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
        return list_answer(request, rows, lambda i: variation_json(catalog, i, self.base))

    def all_variations(self, request: Request, args: list[str]) -> Response:
        """``GET /variations``, WooCommerce 10.3+ (``WC_REST_Variations_Controller``): the
        per-parent route's query with no parent fixed, so ``parent=`` (``post_parent__in``) and
        ``include=`` pick variations across products; each answer carries ``parent_id``. An older
        store has no such route: WordPress answers 404 ``rest_no_route``."""
        if not self.store.has_variations_route:
            raise WooError(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        catalog = self.store.catalog
        query = request.query
        rows = [i for i in catalog.items.values() if i.parent and i.status != "trash"]
        for name in ("parent", "include"):
            if query.get(name):
                wanted = {int(x) for x in query[name].split(",") if x.strip().isdigit()}
                rows = [i for i in rows if (i.parent if name == "parent" else i.id) in wanted]
        return list_answer(
            request,
            rows,
            lambda i: {**variation_json(catalog, i, self.base), "parent_id": i.parent},
        )

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

        return run_batch(
            self.store,
            request,
            create=create,
            update=update,
            delete=delete,
            id_error=_variation_id_error,
        )
