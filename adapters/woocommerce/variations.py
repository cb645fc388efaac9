"""Reading variations: one parent at a time, or many parents at once on WooCommerce 10.3+.

Before 10.3 WooCommerce served variations only per parent (``/products/{id}/variations``,
whose rows carry no ``parent_id``), so a sync that saw 100 variable products change made 100
requests more; 100 new orders on a big shop did exactly that. WooCommerce 10.3 added
``GET /wc/v3/variations`` (``WC_REST_Variations_Controller``: the per-parent route's query with
no parent fixed, rows with ``parent_id``), where ``parent=1,2,3`` (``post_parent__in``) reads
the variations of many parents in a few pages. An older store answers 404 ``rest_no_route``;
the reader then remembers that and reads per parent, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.woocommerce.client import PER_PAGE, WooClient
from connector.errors import PayloadError, PlatformItemError

__all__ = ["Variations", "variable_ids"]

log = logging.getLogger(__name__)

Row = Mapping[str, Any]


class Variations:
    """The variations of variable products, by the cheapest route the store has."""

    def __init__(self, client: WooClient) -> None:
        self.client = client
        self.across: bool | None = None
        """Whether the store serves ``/variations`` across parents (None: not asked yet)."""

    def of_parent(self, product_id: int) -> list[Row]:
        """Every variation of one parent, paged (they carry no ``parent_id``: keep it from here)."""
        rows: list[Row] = []
        page = 1
        while True:
            answer = self.client.get(
                f"products/{product_id}/variations",
                {"per_page": PER_PAGE, "page": page, "orderby": "id", "order": "asc"},
            )
            if not isinstance(answer.body, list):
                raise PayloadError(f"variations of {product_id}: expected a list")
            rows.extend(answer.body)
            if len(answer.body) < PER_PAGE or page >= answer.total_pages:
                return rows
            page += 1

    def of_parents(self, product_ids: Sequence[int]) -> dict[int, list[Row]]:
        """Each parent's variations in id order, as :meth:`of_parent` gives them, read across
        parents; empty when the store cannot (read those parents one at a time then)."""
        if self.across is False or not product_ids:
            return {}
        found: dict[int, list[Row]] = {product_id: [] for product_id in product_ids}
        wanted = sorted(found)
        try:
            for start in range(0, len(wanted), PER_PAGE):
                self._read_across(wanted[start : start + PER_PAGE], found)
        except PlatformItemError as error:
            # 404 rest_no_route before WooCommerce 10.3; any refusal of the route: per parent.
            if self.across is None:
                log.info("variations across products not served (%s): reading per product", error)
            self.across = False
            return {}
        self.across = True
        return found

    def _read_across(self, parents: Sequence[int], found: dict[int, list[Row]]) -> None:
        page = 1
        while True:
            answer = self.client.get(
                "variations",
                {
                    "parent": ",".join(map(str, parents)),
                    "per_page": PER_PAGE,
                    "page": page,
                    "orderby": "id",
                    "order": "asc",
                },
            )
            if not isinstance(answer.body, list):
                raise PayloadError("variations across products: expected a list")
            for row in answer.body:
                parent = row.get("parent_id") if isinstance(row, Mapping) else None
                if isinstance(parent, int) and parent in found:
                    found[parent].append(row)
            if len(answer.body) < PER_PAGE or page >= answer.total_pages:
                return
            page += 1


def variable_ids(rows: Sequence[Row]) -> list[int]:
    """The ids of the variable products among ``rows`` (rows without a usable id left out)."""
    return [
        row["id"]
        for row in rows
        if row.get("type") == "variable" and isinstance(row.get("id"), int)
    ]
