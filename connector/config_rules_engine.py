"""The config rules of the daemon's warm engine (``[schedule] engine_check_minutes``).

Registered by :mod:`connector.config_rules`; each problem names its key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.errors import ConfigProblem

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_schedule_engine"]


def check_schedule_engine(node: Node) -> list[ConfigProblem]:
    """``engine_check_minutes``: 0 (never) or more; a negative cadence has no meaning."""
    minutes = node.values.get("engine_check_minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes < 0:
        key = node.key("engine_check_minutes")
        return [ConfigProblem(key, f"expected 0 (never) or more minutes, got {minutes}")]
    return []
