"""The config rules of the reorder suggestions: ``[[suppliers]]`` and ``[reorder]``.

Registered by :mod:`connector.config_rules` (``REORDER_RULES``); each problem names its key.
Negative numbers are refused there for every table, so only what is specific is checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connector.config_rules_policy import sku_pattern_problems
from connector.errors import ConfigProblem
from connector.settings import ReorderSettings, SupplierSettings

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["REORDER_RULES", "check_reorder", "check_supplier"]

_MAX_DAYS = 3650
"""Ten years: past that a number of days is a typo (days typed as hours, or a year)."""


def _days(node: Node, names: tuple[str, ...]) -> list[ConfigProblem]:
    return [
        ConfigProblem(node.key(name), f"at most {_MAX_DAYS} days (got {value})")
        for name in names
        if isinstance(value := node.values.get(name), int) and value > _MAX_DAYS
    ]


def check_supplier(node: Node) -> list[ConfigProblem]:
    """``[[suppliers]]``: a name, a lead time in days, usable SKU patterns."""
    problems = _days(node, ("lead_time_days",))
    name = node.values.get("name")
    if isinstance(name, str) and not name.strip():
        problems.append(ConfigProblem(node.key("name"), "the supplier name is empty"))
    problems += sku_pattern_problems(node)
    return problems


def check_reorder(node: Node) -> list[ConfigProblem]:
    """``[reorder]``: days within reason."""
    return _days(node, ("cover_days", "safety_days", "velocity_days", "lead_time_days"))


REORDER_RULES: dict[type[Any], Callable[[Node], list[ConfigProblem]]] = {
    SupplierSettings: check_supplier,
    ReorderSettings: check_reorder,
}
