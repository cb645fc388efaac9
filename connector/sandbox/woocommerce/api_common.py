"""Shared pieces of the sandbox's REST routes: the request, the answer, listing and batches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from connector.sandbox.woocommerce.catalog import WooError, invalid_param
from connector.sandbox.woocommerce.listing import page_of

if TYPE_CHECKING:
    from connector.sandbox.woocommerce.store import WooCommerceSandbox

__all__ = ["BATCH_LIMIT", "Handler", "Request", "Response", "list_answer", "run_batch"]

BATCH_LIMIT = 100


class Request:
    """One REST request as the routes see it (path below ``/wp-json/wc/v3``, JSON body parsed)."""

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


def list_answer(request: Request, rows: list[Any], render: Callable[[Any], Any]) -> Response:
    """One page of ``rows`` with WooCommerce's paging headers (``X-WP-Total``, ``Link``...)."""
    chunk, page = page_of(
        rows,
        request.query,
        request.url,
        created=lambda r: r.created,
        modified=lambda r: r.modified or r.created,
        ident=lambda r: r.id,
    )
    return 200, [render(row) for row in chunk], page.headers()


def run_batch(
    store: WooCommerceSandbox,
    request: Request,
    *,
    create: Callable[[dict[str, Any]], Any],
    update: Callable[[dict[str, Any]], Any],
    delete: Callable[[int], Any],
    id_error: Callable[[int], WooError],
) -> Response:
    """A ``.../batch`` request: capped at 100 items (413), each item's error in the 200 answer."""
    body = request.body if isinstance(request.body, dict) else {}
    count = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
    if count > BATCH_LIMIT:
        raise WooError(
            413,
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {BATCH_LIMIT} items for this request.",
        )
    fail = store.batch_failures()
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
