"""The config rules of ``[payments]`` (money for waiting orders, see ``docs/payments.md``).

Registered by :mod:`connector.config_rules`; each problem names its key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connector.errors import ConfigProblem
from connector.settings import PaymentSettings

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["MONEY_RULES", "check_payments"]


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
    elif isinstance(margin, int) and isinstance(days, int) and margin >= days:
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
