"""The metafield definitions behind our ETA metafields on variants, created once per shop.

A definition with storefront read access is what lets an Online Store 2.0 theme show
``backorder_connector.eta_label`` through the theme editor's dynamic sources (no code) and the
Storefront API read it; it also names the fields in the admin. Creating is idempotent: the
definitions already there are read first, and a ``TAKEN`` answer (another process won the race)
counts as done. A definition someone made by hand without storefront access is left as it is and
reported, since changing the owner's setting is their call.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.shopify.client import GraphQLClient
from adapters.shopify.mapping import METAFIELD_NAMESPACE

__all__ = ["ETA_DEFINITIONS", "ensure_eta_definitions"]

log = logging.getLogger(__name__)

ETA_DEFINITIONS: tuple[dict[str, Any], ...] = (
    {
        "key": "eta_label",
        "type": "single_line_text_field",
        "name": "Backorder ETA",
        "description": "What the shopper reads about when this variant ships (written by the "
        "backorder connector: 'Ships by December 6, 2026', 'No longer taking backorders').",
    },
    {
        "key": "eta_date",
        "type": "date",
        "name": "Backorder ETA date",
        "description": "The date behind the ETA label, for themes that format it themselves.",
    },
)


def ensure_eta_definitions(client: GraphQLClient) -> list[str]:
    """Create the missing ETA definitions; returns problems for the log (empty when all is well).
    Raises ConnectorError when Shopify cannot be asked at all (the caller tries again later)."""
    data = client.run("MetafieldDefinitions", {"namespace": METAFIELD_NAMESPACE})
    nodes = (data.get("metafieldDefinitions") or {}).get("nodes") or []
    present = {str(node.get("key")): node for node in nodes if isinstance(node, dict)}
    problems: list[str] = []
    for wanted in ETA_DEFINITIONS:
        found = present.get(wanted["key"])
        if found is not None:
            if (found.get("access") or {}).get("storefront") != "PUBLIC_READ":
                problems.append(
                    f"metafield definition {METAFIELD_NAMESPACE}.{wanted['key']} exists without "
                    "storefront access: themes cannot read it (Settings > Custom data > Variants)"
                )
            continue
        definition = {
            **wanted,
            "namespace": METAFIELD_NAMESPACE,
            "ownerType": "PRODUCTVARIANT",
            "access": {"storefront": "PUBLIC_READ"},
            "pin": True,
        }
        answer = client.run("MetafieldDefinitionCreate", {"definition": definition})
        errors = (answer.get("metafieldDefinitionCreate") or {}).get("userErrors") or []
        for error in errors:
            if error.get("code") != "TAKEN":
                problems.append(
                    f"metafield definition {METAFIELD_NAMESPACE}.{wanted['key']}: "
                    f"{error.get('message')}"
                )
        if not errors:
            log.info("created metafield definition %s.%s", METAFIELD_NAMESPACE, wanted["key"])
    return problems
