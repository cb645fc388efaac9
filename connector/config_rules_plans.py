"""Config rules for a pre-order's deposit (``payment = "deposit"`` with ``deposit_percent``).

On Shopify the percent becomes the selling plan's checkout charge (docs/payments.md, "Pre-order
deposits and pay on release"). Registered by :mod:`connector.config_rules`; each problem names
its key.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from connector.errors import ConfigProblem
from connector.model import Platform
from connector.settings import PolicySettings, ShopSettings

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_deposits"]


def check_deposits(nodes: Iterable[Node]) -> list[ConfigProblem]:
    """A deposit needs its percent where a Shopify shop charges it (WooCommerce takes none, see
    docs/payments-woocommerce.md), strictly between 0 and 100; the percent needs a deposit."""
    nodes = list(nodes)
    shopify = {
        node.values.get("name")
        for node in nodes
        if node.cls is ShopSettings and node.values.get("platform") is Platform.SHOPIFY
    }
    problems: list[ConfigProblem] = []
    for node in nodes:
        if node.cls is not PolicySettings:
            continue
        payment = node.values.get("payment", "full")
        percent = node.values.get("deposit_percent")
        written = "deposit_percent" in node.raw_keys
        match = node.values.get("match")
        named = set(getattr(match, "shops", ()) or ())
        serves_shopify = bool(shopify) and (not named or bool(named & shopify))
        if payment == "deposit" and percent is None and not written and serves_shopify:
            problems.append(
                ConfigProblem(
                    node.key("deposit_percent"),
                    'payment = "deposit" needs deposit_percent (the share charged at checkout, '
                    "1 to 99)",
                )
            )
        elif isinstance(percent, Decimal) and payment != "deposit":
            problems.append(
                ConfigProblem(
                    node.key("deposit_percent"),
                    f'only with payment = "deposit" (this policy has payment = "{payment}")',
                )
            )
        elif isinstance(percent, Decimal) and not Decimal(0) < percent < Decimal(100):
            problems.append(
                ConfigProblem(
                    node.key("deposit_percent"),
                    "between 0 and 100, both excluded (0: use on_release; 100: use full)",
                )
            )
    return problems
