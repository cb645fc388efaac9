"""Config rules for a pre-order policy's ``payment`` as WooCommerce can honour it (issue 15).

Core WooCommerce takes the whole payment at checkout or none at all: no deposits, no charge of a
stored card later. So on a WooCommerce shop:

- ``payment = "deposit"`` cannot be honoured without a plugin: the shop charges the full amount at
  checkout. That is a warning, not an error, because the same policy may serve a Shopify shop.
- ``payment = "on_release"`` works as an order left ``pending`` whose ``payment_url`` the connector
  mails at release; WooCommerce cancels unpaid checkout orders after its "Hold stock" minutes, so
  the owner must clear that setting (said once, as a warning).

A ``payment`` other than ``full`` on a policy that is not ``mode = "preorder"`` is an error: only a
pre-order waits for a release to be paid at. See docs/payments-woocommerce.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from connector.errors import ConfigProblem
from connector.model import Platform
from connector.settings import PolicyMode, PolicySettings, Settings

if TYPE_CHECKING:
    from connector.config import Node

__all__ = ["check_payment_modes", "payment_notes", "payment_warnings"]


def check_payment_modes(nodes: Iterable[Node]) -> list[ConfigProblem]:
    """``payment`` other than ``full`` only on ``mode = "preorder"`` policies."""
    problems = []
    for node in nodes:
        if node.cls is not PolicySettings:
            continue
        payment = node.values.get("payment", "full")
        if payment != "full" and node.values.get("mode") is not PolicyMode.PREORDER:
            key = node.key("payment")
            problems.append(
                ConfigProblem(
                    key,
                    f'payment = "{payment}" needs mode = "preorder" (only pre-orders wait '
                    "for a release to be paid at)",
                )
            )
    return problems


def _key(policy: PolicySettings, settings: Settings) -> str:
    if policy is settings.default_policy:
        return "default_policy.payment"
    return f"policies[{policy.name}].payment"


def payment_warnings(settings: Settings) -> list[tuple[str, str]]:
    """(shop, line) for each enabled WooCommerce shop a deposit policy applies to: every command
    warns, since those customers are charged in full whatever the policy says."""
    return [found for found in payment_notes(settings) if '"deposit"' in found[1]]


def payment_notes(settings: Settings) -> list[tuple[str, str]]:
    """(shop, line) for each enabled WooCommerce shop a non-``full`` payment policy applies to
    (``connector check`` lists them all)."""
    found: list[tuple[str, str]] = []
    policies = (*settings.policies, settings.default_policy)
    for shop in settings.shops:
        if shop.platform is not Platform.WOOCOMMERCE or not shop.enabled:
            continue
        for policy in policies:
            if policy.mode is not PolicyMode.PREORDER or policy.payment == "full":
                continue
            wanted = {name.casefold() for name in policy.match.shops}
            if wanted and shop.name.casefold() not in wanted:
                continue
            key = _key(policy, settings)
            if policy.payment == "deposit":
                found.append(
                    (
                        shop.name,
                        f'{key} = "deposit": WooCommerce takes no deposit without a plugin; '
                        f"{shop.name} charges the full amount at checkout "
                        "(docs/payments-woocommerce.md)",
                    )
                )
            else:
                found.append(
                    (
                        shop.name,
                        f'{key} = "on_release": orders wait in pending and get their payment '
                        "link at release; clear WooCommerce > Settings > Products > Inventory > "
                        "Hold stock, or WooCommerce cancels unpaid orders after those minutes",
                    )
                )
    return found
