"""Customers as WooCommerce REST v3 serves them: ``GET customers`` and ``GET customers/{id}``.

The shape follows ``WC_REST_Customers_Controller::prepare_item_for_response`` (woocommerce
``includes/rest-api/Controllers/Version3/class-wc-rest-customers-controller.php``): the WordPress
user's ``role`` (``customer``, ``wholesale_customer``...) and its public ``meta_data`` rows. The
connector reads them for VIP priority (docs/woocommerce.md). Only the reads are served; a shop's
customers are made by the test through :meth:`Customers.add`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connector.sandbox.woocommerce.api_common import Request, Response, list_answer
from connector.sandbox.woocommerce.catalog import WooError

__all__ = ["CustomerRecord", "CustomerRoutes", "Customers", "customer_json"]


@dataclass
class CustomerRecord:
    """One WordPress user with a WooCommerce customer profile."""

    id: int
    email: str
    role: str
    created: int
    first_name: str = ""
    last_name: str = ""
    meta: list[tuple[int, str, Any]] = field(default_factory=list)
    modified: int = 0


class Customers:
    """The store's customers; ids are WordPress user ids, their own sequence apart from posts."""

    def __init__(self, now: Callable[[], int]) -> None:
        self.now = now
        self.rows: dict[int, CustomerRecord] = {}
        self._last_id = 0
        self._last_meta = 1000

    def add(
        self,
        email: str,
        *,
        role: str = "customer",
        meta: dict[str, Any] | None = None,
        name: str = "",
    ) -> int:
        """A registered customer; returns its id (what an order's ``customer_id`` names)."""
        self._last_id += 1
        first, _, last = name.partition(" ")
        record = CustomerRecord(self._last_id, email, role, self.now(), first, last)
        for key, value in (meta or {}).items():
            self._last_meta += 1
            record.meta.append((self._last_meta, key, value))
        self.rows[record.id] = record
        return record.id

    def get(self, customer_id: int) -> CustomerRecord:
        record = self.rows.get(customer_id)
        if record is None:
            raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return record


def _stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def customer_json(record: CustomerRecord, base: str) -> dict[str, Any]:
    """The REST answer for one customer, keys as WooCommerce names them."""
    address = {"first_name": record.first_name, "last_name": record.last_name}
    return {
        "id": record.id,
        "date_created": _stamp(record.created),
        "date_created_gmt": _stamp(record.created),
        "date_modified": _stamp(record.modified or record.created),
        "date_modified_gmt": _stamp(record.modified or record.created),
        "email": record.email,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "role": record.role,
        "username": record.email.partition("@")[0],
        "billing": {**address, "email": record.email},
        "shipping": dict(address),
        "is_paying_customer": True,
        "avatar_url": "",
        "meta_data": [{"id": i, "key": k, "value": v} for i, k, v in record.meta],
        "_links": {
            "self": [{"href": f"{base}/wp-json/wc/v3/customers/{record.id}"}],
            "collection": [{"href": f"{base}/wp-json/wc/v3/customers"}],
        },
    }


class CustomerRoutes:
    """``customers`` (``include``, ``role``, ``email`` filters, paged) and ``customers/{id}``."""

    def __init__(self, customers: Callable[[], Customers], base: Callable[[], str]) -> None:
        # Getters, not values: the store's reset() builds a new Customers.
        self.customers = customers
        self.base = base

    def customers_list(self, request: Request, args: list[str]) -> Response:
        rows = sorted(self.customers().rows.values(), key=lambda r: r.id)
        include = request.query.get("include")
        if include:
            wanted = {int(part) for part in include.split(",") if part.strip().isdigit()}
            rows = [r for r in rows if r.id in wanted]
        # WooCommerce's ``role`` parameter defaults to "customer", include or not: a reader that
        # wants wholesale customers too must ask for ``role=all``.
        role = request.query.get("role", "customer")
        if role != "all":
            rows = [r for r in rows if r.role == role]
        email = request.query.get("email")
        if email:
            rows = [r for r in rows if r.email.casefold() == email.casefold()]
        return list_answer(request, rows, lambda r: customer_json(r, self.base()))

    def customer(self, request: Request, args: list[str]) -> Response:
        return 200, customer_json(self.customers().get(int(args[0])), self.base()), []
