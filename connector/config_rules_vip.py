"""Config rules for VIP priority on WooCommerce: a policy's ``vip_roles`` and ``vip_meta``.

The WooCommerce adapter names a customer's role ``role:<role>`` and each public meta key that is
set ``meta:<key>`` (adapters/woocommerce/customer_tags.py). A role slug with spaces or capitals,
or a private meta key (``_name``, never read), would silently never match, so it is refused here.
Registered by :mod:`connector.config_rules`; each problem names its key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from connector.errors import ConfigProblem
from connector.settings import PolicySettings

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_vip"]

# WordPress role slugs as add_role() stores them: lowercase, digits, "_" and "-".
_ROLE = re.compile(r"^[a-z0-9_-]+$")


def check_vip(nodes: Iterable[Node]) -> list[ConfigProblem]:
    """Each ``vip_roles`` entry a role slug; ``vip_meta`` a public meta key without spaces."""
    problems: list[ConfigProblem] = []
    for node in nodes:
        if node.cls is not PolicySettings:
            continue
        prefix = f"{node.path}." if node.path else ""
        roles = node.values.get("vip_roles")
        for index, role in enumerate(roles if isinstance(roles, tuple) else ()):
            if not _ROLE.match(role):
                problems.append(
                    ConfigProblem(
                        f"{prefix}vip_roles[{index}]",
                        f"expected a WordPress role slug like wholesale_customer, got {role!r}",
                    )
                )
        meta = node.values.get("vip_meta")
        if (
            isinstance(meta, str)
            and meta
            and (meta.startswith("_") or not meta.strip() or any(ch.isspace() for ch in meta))
        ):
            problems.append(
                ConfigProblem(
                    f"{prefix}vip_meta",
                    f"expected a public customer meta key like vip (no spaces, not starting "
                    f"with _: private meta is never read), got {meta!r}",
                )
            )
    return problems
