"""Pre-order selling plan groups as Shopify's Admin API keeps them.

What the sandbox teaches (each with its test in ``tests/sandbox/shopify/test_selling_plans_sandbox.py``):

- ``sellingPlanGroupCreate(input, resources)`` makes a group with its selling plans and attaches
  the variants named in ``resources``; a plan's category, fixed billing policy (checkout charge,
  remaining balance trigger), fixed delivery policy and inventory reserve are kept as sent.
  Shopify does not refuse a second group with the same ``merchantCode``: finding the group again
  is the app's job (the connector reads ``sellingPlanGroups`` first).
- ``sellingPlanGroups`` lists the calling app's groups (``app_id`` defaults to ``CURRENT``, 2026-10
  schema); ``sellingPlanGroupUpdate`` changes the group and the plans named by id;
  ``sellingPlanGroupAddProductVariants`` / ``RemoveProductVariants`` attach and detach variants
  (an unknown id is a userError and nothing changes).
- A checkout of a variant under a plan makes a line with ``sellingPlan`` (the plan's name and id);
  the money side of such an order is :mod:`connector.sandbox.shopify.mandates`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.sandbox.shopify.connections import connection
from connector.sandbox.shopify.records import gid, parse_gid
from connector.sandbox.shopify.store import ShopData

__all__ = [
    "GROUP_FIELDS",
    "GROUP_MUTATIONS",
    "SGroup",
    "SPlan",
    "SellingPlans",
    "plans_of",
]

Resolver = Callable[[ShopData, Any, dict[str, Any]], Any]


class SPlan:
    """One selling plan of a group, with the policies it was created with."""

    def __init__(self, id: int, group_id: int, spec: dict[str, Any]) -> None:
        self.id = id
        self.group_id = group_id
        self.name = ""
        self.description: str | None = None
        self.category: str | None = None
        self.options: list[str] = []
        self.billing: dict[str, Any] = {}
        self.delivery: dict[str, Any] = {}
        self.inventory: dict[str, Any] = {}
        self.update(spec)

    def update(self, spec: dict[str, Any]) -> None:
        self.name = str(spec.get("name") or self.name)
        if "description" in spec:
            self.description = spec["description"]
        self.category = spec.get("category") or self.category
        self.options = list(spec.get("options") or self.options)
        self.billing = dict((spec.get("billingPolicy") or {}).get("fixed") or self.billing)
        self.delivery = dict((spec.get("deliveryPolicy") or {}).get("fixed") or self.delivery)
        self.inventory = dict(spec.get("inventoryPolicy") or self.inventory)

    @property
    def checkout_percent(self) -> Decimal:
        """The share of the price charged at checkout (100 when the plan charges it all)."""
        charge = self.billing.get("checkoutCharge") or {}
        value = charge.get("value") or {}
        if charge.get("type") == "PERCENTAGE" and value.get("percentage") is not None:
            return Decimal(str(value["percentage"]))
        return Decimal(100)


class SGroup:
    """One selling plan group: its labels, plans and the variants attached to it."""

    def __init__(self, id: int, spec: dict[str, Any], at: datetime) -> None:
        self.id = id
        self.created_at = at
        self.app_id: str | None = spec.get("appId")
        self.merchant_code = str(spec.get("merchantCode") or spec.get("name") or "")
        self.name = str(spec.get("name") or "")
        self.description: str | None = spec.get("description")
        self.options: list[str] = list(spec.get("options") or [])
        self.plans: list[SPlan] = []
        self.variant_ids: list[int] = []


class SellingPlans:
    """The shop's groups (kept on ``ShopData.selling_plans``)."""

    def __init__(self) -> None:
        self.groups: dict[int, SGroup] = {}
        self.line_plans: dict[int, SPlan] = {}
        """Order line id -> the plan it was bought under."""

    def plan(self, plan_id: int) -> SPlan | None:
        for group in self.groups.values():
            for plan in group.plans:
                if plan.id == plan_id:
                    return plan
        return None

    def plan_for_variant(self, variant_id: int) -> SPlan | None:
        """The first plan of the first group the variant is attached to (what a storefront
        shows first), or None."""
        for group in self.groups.values():
            if variant_id in group.variant_ids and group.plans:
                return group.plans[0]
        return None


def plans_of(data: ShopData) -> SellingPlans:
    found = getattr(data, "selling_plans", None)
    if not isinstance(found, SellingPlans):
        found = SellingPlans()
        data.selling_plans = found  # type: ignore[attr-defined]
    return found


def _error(field: list[str], message: str) -> dict[str, Any]:
    return {"field": field, "message": message}


def _variant_ids(data: ShopData, ids: list[str]) -> tuple[list[int], list[dict[str, Any]]]:
    found, errors = [], []
    for index, value in enumerate(ids):
        ref = parse_gid(value, "ProductVariant")
        if ref is None or ref[1] not in data.variants:
            errors.append(
                _error(["productVariantIds", str(index)], "Product variant does not exist")
            )
        else:
            found.append(ref[1])
    return found, errors


def _group(data: ShopData, value: str) -> SGroup | None:
    ref = parse_gid(value, "SellingPlanGroup")
    return plans_of(data).groups.get(ref[1]) if ref else None


def group_create(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    spec = a["input"]
    if not spec.get("name"):
        return {
            "sellingPlanGroup": None,
            "userErrors": [_error(["input", "name"], "Name can't be blank")],
        }
    wanted = (a.get("resources") or {}).get("productVariantIds") or []
    variant_ids, errors = _variant_ids(data, wanted)
    if errors:
        return {"sellingPlanGroup": None, "userErrors": errors}
    group = SGroup(data.next_id(), spec, data.clock())
    for plan_spec in spec.get("sellingPlansToCreate") or ():
        group.plans.append(SPlan(data.next_id(), group.id, plan_spec))
    group.variant_ids = list(dict.fromkeys(variant_ids))
    plans_of(data).groups[group.id] = group
    return {"sellingPlanGroup": group, "userErrors": []}


def group_update(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    group = _group(data, a["id"])
    if group is None:
        return {
            "sellingPlanGroup": None,
            "deletedSellingPlanIds": None,
            "userErrors": [_error(["id"], "Selling plan group does not exist.")],
        }
    spec = a["input"]
    for name, attr in (("name", "name"), ("merchantCode", "merchant_code")):
        if spec.get(name):
            setattr(group, attr, str(spec[name]))
    if "description" in spec:
        group.description = spec["description"]
    for plan_spec in spec.get("sellingPlansToUpdate") or ():
        ref = parse_gid(str(plan_spec.get("id")), "SellingPlan")
        plan = next((p for p in group.plans if ref and p.id == ref[1]), None)
        if plan is None:
            return {
                "sellingPlanGroup": None,
                "deletedSellingPlanIds": None,
                "userErrors": [
                    _error(["input", "sellingPlansToUpdate"], "Selling plan does not exist")
                ],
            }
        plan.update(plan_spec)
    for plan_spec in spec.get("sellingPlansToCreate") or ():
        group.plans.append(SPlan(data.next_id(), group.id, plan_spec))
    return {"sellingPlanGroup": group, "deletedSellingPlanIds": [], "userErrors": []}


def group_add_variants(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    group = _group(data, a["id"])
    if group is None:
        return {
            "sellingPlanGroup": None,
            "userErrors": [_error(["id"], "Selling plan group does not exist.")],
        }
    variant_ids, errors = _variant_ids(data, a["productVariantIds"])
    if errors:
        return {"sellingPlanGroup": None, "userErrors": errors}
    group.variant_ids = list(dict.fromkeys([*group.variant_ids, *variant_ids]))
    return {"sellingPlanGroup": group, "userErrors": []}


def group_remove_variants(data: ShopData, a: dict[str, Any]) -> dict[str, Any]:
    group = _group(data, a["id"])
    if group is None:
        return {
            "removedProductVariantIds": None,
            "userErrors": [_error(["id"], "Selling plan group does not exist.")],
        }
    variant_ids, errors = _variant_ids(data, a["productVariantIds"])
    if errors:
        return {"removedProductVariantIds": None, "userErrors": errors}
    removed = [v for v in variant_ids if v in group.variant_ids]
    group.variant_ids = [v for v in group.variant_ids if v not in removed]
    return {
        "removedProductVariantIds": [gid("ProductVariant", v) for v in removed],
        "userErrors": [],
    }


GROUP_MUTATIONS: dict[str, Callable[[ShopData, dict[str, Any]], dict[str, Any]]] = {
    "sellingPlanGroupCreate": group_create,
    "sellingPlanGroupUpdate": group_update,
    "sellingPlanGroupAddProductVariants": group_add_variants,
    "sellingPlanGroupRemoveProductVariants": group_remove_variants,
}


def _connection(records: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    return connection(records, args)


GROUP_FIELDS: dict[str, dict[str, Resolver]] = {
    "SellingPlanGroup": {
        "id": lambda d, o, a: gid("SellingPlanGroup", o.id),
        "appId": lambda d, o, a: o.app_id,
        "merchantCode": lambda d, o, a: o.merchant_code,
        "sellingPlans": lambda d, o, a: _connection(o.plans, a),
        "productVariants": lambda d, o, a: _connection(
            [d.variants[v] for v in o.variant_ids if v in d.variants], a
        ),
    },
    "SellingPlan": {
        "id": lambda d, o, a: gid("SellingPlan", o.id),
    },
}


def selling_plan_groups(data: ShopData, args: dict[str, Any]) -> dict[str, Any]:
    """``sellingPlanGroups``: the groups this app made (every sandbox group), oldest first."""
    return _connection(list(plans_of(data).groups.values()), args)
