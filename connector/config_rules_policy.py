"""Store-owner rules for ``[[policies]]``, ``[default_policy]`` and their ``match`` tables.

Registered by :mod:`connector.config_rules`; each problem names its key.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from connector.errors import ConfigProblem
from connector.settings import PolicyMatch, PolicyMode

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_match", "check_policy", "pattern_problem", "sku_pattern_problems"]

Problems = list[ConfigProblem]


def check_policy(node: Node) -> Problems:
    """A policy table: a real match, a release date for pre-orders, sane percent and tag format."""
    values, problems = node.values, []
    match = values.get("match")
    is_default = node.path == "default_policy"
    if isinstance(match, PolicyMatch) and not is_default and _matches_everything(match):
        problems.append(
            ConfigProblem(
                node.key("match"),
                "a policy needs at least one match criterion (skus, tags, product_types, vendors, "
                "collections or shops); only default_policy may match everything",
            )
        )
    release = values.get("release_date")
    preorder = values.get("mode") is PolicyMode.PREORDER
    if preorder and not isinstance(release, date) and "release_date" not in node.raw_keys:
        problems.append(
            ConfigProblem(node.key("release_date"), 'mode = "preorder" needs a release_date')
        )
    percent = values.get("delay_discount_percent")
    if isinstance(percent, Decimal) and percent > 100:
        problems.append(
            ConfigProblem(node.key("delay_discount_percent"), "must be at most 100 (percent)")
        )
    fmt = values.get("ships_tag_format")
    if isinstance(fmt, str):
        try:
            fmt.format(year=2027, month=3, day=1)
        except (KeyError, IndexError, ValueError) as error:
            problems.append(
                ConfigProblem(
                    node.key("ships_tag_format"),
                    f"bad format (use {{year}}, {{month}}, {{day}}): {error}",
                )
            )
    return problems


def _matches_everything(match: PolicyMatch) -> bool:
    return not any(
        (match.skus, match.tags, match.product_types, match.vendors, match.collections, match.shops)
    )


def check_match(node: Node) -> Problems:
    """A policy's ``match``: every SKU pattern usable."""
    return sku_pattern_problems(node)


def sku_pattern_problems(node: Node) -> Problems:
    """A problem per unusable pattern in the table's ``skus`` (a policy match, a supplier)."""
    problems: Problems = []
    skus = node.values.get("skus")
    for index, pattern in enumerate(skus if isinstance(skus, tuple) else ()):
        message = pattern_problem(pattern)
        if message:
            problems.append(ConfigProblem(f"{node.key('skus')}[{index}]", message))
    return problems


def pattern_problem(pattern: str) -> str | None:
    """Why a shell-style SKU pattern is unusable, or None. fnmatch itself accepts anything."""
    if not pattern.strip():
        return "empty SKU pattern"
    if any(ch.isspace() for ch in pattern):
        return f"SKU pattern {pattern!r} contains whitespace"
    depth = 0
    for index, ch in enumerate(pattern):
        if ch == "[":
            if depth:
                return f"SKU pattern {pattern!r} has a '[' inside a [...] set"
            depth = 1
            if pattern[index + 1 : index + 2] == "]":
                return f"SKU pattern {pattern!r} has an empty [] set"
        elif ch == "]" and depth:
            depth = 0
    if depth:
        return f"SKU pattern {pattern!r} has an unclosed '['"
    return None
