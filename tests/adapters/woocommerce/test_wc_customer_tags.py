"""VIP on WooCommerce: customers' role and meta become customer tags (one batched read, guests
skipped), the policy's ``vip_roles`` / ``vip_meta`` boost them, and the config refuses values
that could never match."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.woocommerce.customer_tags import customer_tags, tag_customers
from connector.config import parse_settings
from connector.engine.queue import priority_of
from connector.errors import ConfigError, PermissionDenied
from connector.model import Customer, Order, OrderStatus

SHOP = {
    "name": "acme",
    "platform": "woocommerce",
    "url": "https://shop.example.com",
    "consumer_key": "env:K",
    "consumer_secret": "env:S",
}
ENV = {"K": "ck_x", "S": "cs_x"}


def test_role_and_set_public_meta_become_tags() -> None:
    row = {
        "id": 7,
        "role": "wholesale_customer",
        "meta_data": [
            {"id": 1, "key": "vip", "value": "yes"},
            {"id": 2, "key": "newsletter", "value": "no"},
            {"id": 3, "key": "blank", "value": ""},
            {"id": 4, "key": "_private_flag", "value": "1"},
            {"id": 5, "key": "prefs", "value": {"a": 1}},
            {"id": 6, "key": "gold", "value": True},
        ],
    }
    assert customer_tags(row) == {"role:wholesale_customer", "meta:vip", "meta:gold"}
    assert customer_tags({"id": 8, "role": "", "meta_data": []}) == frozenset()


class _Answer:
    def __init__(self, body: Any) -> None:
        self.body = body


class _Client:
    """Answers ``customers`` as WooCommerce does; records each request."""

    def __init__(self, rows: list[dict[str, Any]], refuse: bool = False) -> None:
        self.rows, self.refuse, self.calls = rows, refuse, []  # type: list[dict[str, Any]]

    def get(self, path: str, params: dict[str, Any]) -> _Answer:
        self.calls.append({"path": path, **params})
        if self.refuse:
            raise PermissionDenied("sorry, you cannot list resources")
        wanted = {int(i) for i in params["include"].split(",")}
        return _Answer([r for r in self.rows if r["id"] in wanted])


def _order(number: int, customer_id: str | None, status: OrderStatus = OrderStatus.OPEN) -> Order:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    customer = Customer("acme", f"c{number}@example.com", platform_id=customer_id)
    return Order(
        shop="acme",
        platform_id=str(number),
        number=str(number),
        created_at=at,
        updated_at=at,
        status=status,
        customer=customer,
        currency="EUR",
    )


def test_one_batched_read_for_open_orders_guests_skipped() -> None:
    client = _Client([{"id": 5, "role": "wholesale_customer", "meta_data": []}])
    orders = [_order(1, None), _order(2, "5"), _order(3, "5"), _order(4, "9", OrderStatus.CLOSED)]
    tagged = tag_customers(client, orders)  # type: ignore[arg-type]
    assert client.calls == [{"path": "customers", "include": "5", "per_page": 100, "role": "all"}]
    assert [o.customer.tags for o in tagged] == [
        frozenset(),
        {"role:wholesale_customer"},
        {"role:wholesale_customer"},
        frozenset(),
    ]
    assert tag_customers(_Client([]), [_order(1, None)]) == [_order(1, None)]  # type: ignore[arg-type]


def test_a_key_that_cannot_read_customers_still_maps_orders() -> None:
    orders = [_order(2, "5")]
    assert tag_customers(_Client([], refuse=True), orders) == orders  # type: ignore[arg-type]


def test_vip_roles_and_meta_boost_after_priority_tags() -> None:
    policy = {"name": "d", "mode": "backorder", "vip_roles": ["wholesale_customer"]}
    settings = parse_settings(
        {"shops": [SHOP], "default_policy": {**policy, "vip_meta": "vip"}}, env=ENV
    )
    tags = settings.default_policy.boost_tags
    assert tags == ("VIP", "role:wholesale_customer", "meta:vip")
    assert priority_of(["role:wholesale_customer"], tags) == (2, "role:wholesale_customer")
    assert priority_of(["VIP", "meta:vip"], tags) == (3, "VIP")
    plain = parse_settings({"shops": [SHOP]}, env=ENV).default_policy
    assert plain.boost_tags == plain.priority_tags == ("VIP",)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("vip_roles", ["Wholesale Customer"], "default_policy.vip_roles[0]: expected a WordPress"),
        ("vip_meta", "_vip", "default_policy.vip_meta: expected a public customer meta key"),
        ("vip_meta", "is vip", "default_policy.vip_meta: expected a public customer meta key"),
    ],
)
def test_config_refuses_what_could_never_match(field: str, value: Any, problem: str) -> None:
    policy = {"name": "d", "mode": "backorder", field: value}
    with pytest.raises(ConfigError) as error:
        parse_settings({"shops": [SHOP], "default_policy": policy}, env=ENV)
    assert any(str(p).startswith(problem) for p in error.value.problems), error.value.problems
