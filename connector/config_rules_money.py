"""The config rules of ``[payments]`` (money for waiting orders, see ``docs/payments.md``).

Registered by :mod:`connector.config_rules`; each problem names its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from connector.errors import ConfigProblem
from connector.model import Platform
from connector.settings import PaymentSettings, ShopSettings

if TYPE_CHECKING:
    from connector.config import Node

__all__ = [
    "MONEY_RULES",
    "check_payments",
    "check_shop_payments",
    "inherit_shop_payments",
    "without_inherited",
]


def check_payments(node: Node) -> list[ConfigProblem]:
    """Authorizations last 1 to 90 days; the margin is acted on before they end, never after."""
    values, problems = node.values, []
    days = values.get("authorization_days")
    if isinstance(days, int) and not 1 <= days <= 90:
        problems.append(
            ConfigProblem(node.key("authorization_days"), "between 1 and 90 days (Shopify: 7)")
        )
    margin = values.get("capture_margin_days")
    if isinstance(margin, int) and margin < 0:
        problems.append(ConfigProblem(node.key("capture_margin_days"), "0 or more days"))
    # Compared only with valid days: a bad authorization_days is its own (single) line.
    elif isinstance(margin, int) and isinstance(days, int) and 1 <= days <= 90 and margin >= days:
        problems.append(
            ConfigProblem(
                node.key("capture_margin_days"),
                f"fewer than authorization_days ({days}): a margin that long would act at checkout",
            )
        )
    every = values.get("check_every_minutes")
    if isinstance(every, int) and every < 0:
        problems.append(
            ConfigProblem(node.key("check_every_minutes"), "0 (every cycle) or more minutes")
        )
    return problems


MONEY_RULES: dict[type[Any], Callable[[Node], list[ConfigProblem]]] = {
    PaymentSettings: check_payments,
}
"""Merged into :mod:`connector.config_rules`' table."""


def inherit_shop_payments(data: dict[str, Any]) -> dict[str, set[str]]:
    """Complete each ``[shops.payments]`` with the top-level ``[payments]`` keys it leaves out,
    in place, before conversion: a shop's table then converts and is checked (the margin against
    the days) as the settings that will hold for it. Returns, per shop key (``shops[acme]``),
    the keys it inherited, for :func:`without_inherited`."""
    top = data.get("payments")
    shops = data.get("shops")
    if not isinstance(top, Mapping) or not isinstance(shops, list):
        return {}
    inherited: dict[str, set[str]] = {}
    for index, shop in enumerate(shops):
        own = shop.get("payments") if isinstance(shop, Mapping) else None
        if not isinstance(own, Mapping):
            continue
        name = shop.get("name")
        label = f"shops[{name if isinstance(name, str) and name else index}].payments"
        inherited[label] = {str(k) for k in top if k not in own}
        shops[index] = {**shop, "payments": {**top, **own}}
    return inherited


def without_inherited(
    problems: list[ConfigProblem], inherited: Mapping[str, set[str]]
) -> list[ConfigProblem]:
    """Drop a shop's problem with a key it inherited when ``payments.<key>`` has its own: the
    owner fixes it once, where it is written."""
    top = {p.key for p in problems if p.key.startswith("payments.")}
    kept = []
    for problem in problems:
        label, _, name = problem.key.rpartition(".")
        if name in inherited.get(label, ()) and f"payments.{name}" in top:
            continue
        kept.append(problem)
    return kept


def check_shop_payments(nodes: Iterable[Node]) -> list[ConfigProblem]:
    """``[shops.payments]`` on a WooCommerce shop would be silently ignored: say so."""
    return [
        ConfigProblem(
            node.key("payments"),
            "WooCommerce has no card authorization to watch; remove this table "
            "(what WooCommerce does with money: docs/payments-woocommerce.md)",
        )
        for node in nodes
        if node.cls is ShopSettings
        and "payments" in node.raw_keys
        and node.values.get("platform") is Platform.WOOCOMMERCE
    ]
