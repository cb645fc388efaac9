"""Metafield definitions, as Shopify keeps them: ``metafieldDefinitionCreate`` and the
``metafieldDefinitions`` query.

One definition per (owner type, namespace, key): creating it again answers ``TAKEN`` with the
message Shopify gives (tests/fixtures/shopify/real/05_user_errors/
kp_metafieldDefinitionCreate_userError_TAKEN.json). Types are checked against a short list of
Shopify's metafield types; storefront access defaults to ``NONE`` when not given, as on Shopify
for merchant-owned namespaces created through the API.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.shopify.connections import MAX_PAGE, ConnectionArgsError
from connector.sandbox.shopify.records import gid
from connector.sandbox.shopify.store import ShopData

__all__ = ["create_definition", "definitions"]

TYPES = {
    "single_line_text_field": "TEXT",
    "multi_line_text_field": "TEXT",
    "date": "DATE_TIME",
    "date_time": "DATE_TIME",
    "number_integer": "NUMBER",
    "boolean": "TRUE_FALSE",
}
OWNER_NAMES = {"PRODUCT": "Product", "PRODUCTVARIANT": "Product Variant"}


def _error(field: list[str], message: str, code: str) -> dict[str, Any]:
    return {"field": field, "message": message, "code": code}


def create_definition(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    """``metafieldDefinitionCreate(definition:)``."""
    given = a["definition"]
    namespace, key = str(given.get("namespace") or ""), str(given["key"])
    owner, kind = str(given["ownerType"]), str(given["type"])
    problems = []
    if not namespace:
        problems.append(_error(["definition", "namespace"], "Namespace can't be blank", "BLANK"))
    if not 2 <= len(key) <= 64:
        problems.append(_error(["definition", "key"], "Key is too short or too long", "INVALID"))
    if kind not in TYPES:
        problems.append(
            _error(["definition", "type"], f"Type name {kind} is not a valid type", "INCLUSION")
        )
    if owner not in OWNER_NAMES:
        problems.append(_error(["definition", "ownerType"], "Owner type is invalid", "INCLUSION"))
    store = _store(data)
    if not problems and (owner, namespace, key) in store:
        owner_name = OWNER_NAMES[owner]
        problems.append(
            _error(
                ["definition", "key"],
                f"Key is in use for {owner_name} metafields on the '{namespace}' namespace.",
                "TAKEN",
            )
        )
    if problems:
        return {"createdDefinition": None, "userErrors": problems}
    # Numbered on their own: the shop-wide id counter stays where the other records put it.
    number = 1 + max((d["number"] for d in store.values()), default=0)
    definition = {
        "number": number,
        "id": gid("MetafieldDefinition", number),
        "name": str(given["name"]),
        "namespace": namespace,
        "key": key,
        "description": given.get("description"),
        "ownerType": owner,
        "type": {"name": kind, "category": TYPES[kind]},
        "access": {"storefront": (given.get("access") or {}).get("storefront") or "NONE"},
        "pinnedPosition": len(store) + 1 if given.get("pin") else None,
    }
    store[(owner, namespace, key)] = definition
    return {"createdDefinition": definition, "userErrors": []}


def definitions(data: ShopData, obj: Any, a: dict[str, Any]) -> dict[str, Any]:
    """``metafieldDefinitions(ownerType:, namespace:, key:, first:, after:)``: a shop has a few
    hundred at most, so one page from ``after`` (a definition's number) on."""
    first = a.get("first")
    if first is None or not 0 <= first <= MAX_PAGE:
        raise ConnectionArgsError(f"The 'first' argument must be between 0 and {MAX_PAGE}.")
    after = int(a["after"]) if str(a.get("after") or "").isdigit() else 0
    found = [
        d
        for (owner, namespace, key), d in sorted(_store(data).items(), key=lambda i: i[1]["number"])
        if owner == a["ownerType"]
        and a.get("namespace") in (None, namespace)
        and a.get("key") in (None, key)
        and d["number"] > after
    ]
    shown = found[:first]
    return {
        "edges": [{"cursor": str(d["number"]), "node": d} for d in shown],
        "nodes": shown,
        "pageInfo": {
            "hasNextPage": len(found) > first,
            "hasPreviousPage": after > 0,
            "startCursor": str(shown[0]["number"]) if shown else None,
            "endCursor": str(shown[-1]["number"]) if shown else None,
        },
    }


def _store(data: ShopData) -> dict[tuple[str, str, str], dict[str, Any]]:
    return data.metafield_definitions
