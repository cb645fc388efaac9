"""Config rules of the customer page's choices (``[web] customer_actions`` and friends).

Registered by :mod:`connector.config_rules` next to :func:`connector.config_rules_web.check_web`;
each problem names its key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.errors import ConfigProblem

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["ACTIONS", "check_choices"]

ACTIONS = ("keep_waiting", "cancel", "swap")
"""What the page can offer."""


def check_choices(node: Node) -> list[ConfigProblem]:
    """``customer_actions``: known actions, each once."""
    actions = node.values.get("customer_actions")
    if not isinstance(actions, tuple):
        return _consent(node) + _swap_skus(node)
    key = node.key("customer_actions")
    problems = []
    for index, action in enumerate(actions):
        if action not in ACTIONS:
            problems.append(
                ConfigProblem(
                    f"{key}[{index}]", f"expected one of {', '.join(ACTIONS)}, got {action!r}"
                )
            )
    if len(set(actions)) != len(actions):
        problems.append(ConfigProblem(key, "each action once"))
    return problems + _consent(node) + _swap_skus(node)


def _swap_skus(node: Node) -> list[ConfigProblem]:
    """``swap_skus``: non-empty SKU patterns."""
    patterns = node.values.get("swap_skus")
    if not isinstance(patterns, tuple):
        return []
    key = node.key("swap_skus")
    return [
        ConfigProblem(f"{key}[{index}]", "an empty pattern would match nothing")
        for index, pattern in enumerate(patterns)
        if not str(pattern).strip()
    ]


def _consent(node: Node) -> list[ConfigProblem]:
    """``delay_consent``: off or ftc; ftc cancels on the customer's behalf, so cancel is offered."""
    mode = node.values.get("delay_consent")
    key = node.key("delay_consent")
    if mode is None or mode == "off":
        return []
    if mode != "ftc":
        return [ConfigProblem(key, f'expected "off" or "ftc", got {mode!r}')]
    actions = node.values.get("customer_actions")
    if isinstance(actions, tuple) and not {"keep_waiting", "cancel"} <= set(actions):
        return [
            ConfigProblem(
                key,
                'ftc needs customer_actions with "keep_waiting" and "cancel" (the rule\'s choice)',
            )
        ]
    return []
