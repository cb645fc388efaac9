"""Storefront writes: policy, ETA meta and tags, through the batch endpoints, only what differs.

* CONTINUE is ``manage_stock: true`` plus ``backorders: notify``; DENY is ``backorders: no``. We never
  write ``stock_status``: WooCommerce derives it and would override it.
* ETA and policy live in meta under our own keys; tags are sent as the full set (ids we read back
  for tags already there, names for new ones: a slug-only entry would clear them all).
* Each item's own result is read from the batch's 200 answer and checked against what we wanted
  (the answer is what WooCommerce derived); a retried batch first re-reads, so a write whose answer
  was lost is found applied instead of being sent twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.common import failed_write
from adapters.woocommerce.client import PER_PAGE, WooClient, batch_updates, item_error
from adapters.woocommerce.mapping import ETA_DATE_KEY, ETA_LABEL_KEY, POLICY_KEY, meta_value
from adapters.woocommerce.reader import Reader
from connector.errors import ConnectorError, RetryableError
from connector.model import (
    ChangeKind,
    InventoryPolicy,
    StorefrontChange,
    WriteResult,
    WriteStatus,
)

__all__ = ["StorefrontWriter", "Want", "diff"]

Row = Mapping[str, Any]
Target = tuple[str, ...]
"""``("p", product_id)`` or ``("v", parent_id, variation_id)``."""


@dataclass
class Want:
    """What one target should show; ``tag_ops`` are (add?, name) applied to the current set."""

    policy: InventoryPolicy | None = None
    meta: dict[str, str | None] = field(default_factory=dict)
    tag_ops: list[tuple[bool, str]] = field(default_factory=list)

    def merge(self, other: Want) -> None:
        self.policy = other.policy or self.policy
        self.meta.update(other.meta)
        self.tag_ops += other.tag_ops


def _tag_names(row: Row) -> list[tuple[int, str]]:
    return [(int(t["id"]), str(t["name"])) for t in row.get("tags") or () if "name" in t]


def diff(row: Row, want: Want) -> dict[str, Any]:
    """The update body that makes ``row`` show ``want`` (empty when it already does)."""
    body: dict[str, Any] = {}
    managed = row.get("manage_stock") is True
    backorders = row.get("backorders", "no")
    if want.policy is InventoryPolicy.CONTINUE and not (managed and backorders != "no"):
        body["manage_stock"] = True
        body["backorders"] = "notify"
    elif want.policy is InventoryPolicy.DENY and backorders != "no":
        body["backorders"] = "no"
    meta = []
    for key, value in want.meta.items():
        current = meta_value(row, key)
        current = None if current in (None, "") else str(current)
        if current != value:
            meta.append({"key": key, "value": value})
    if meta:
        body["meta_data"] = meta
    if want.tag_ops:
        current_tags = _tag_names(row)
        names = {name.lower(): name for _, name in current_tags}
        for add, name in want.tag_ops:
            if add:
                names.setdefault(name.lower(), name)
            else:
                names.pop(name.lower(), None)
        if set(names) != {name.lower() for _, name in current_tags}:
            ids = {name.lower(): tag_id for tag_id, name in current_tags}
            body["tags"] = [
                {"id": ids[key]} if key in ids else {"name": names[key]} for key in sorted(names)
            ]
    return body


def _want_of(change: StorefrontChange) -> Want:
    if change.kind is ChangeKind.INVENTORY_POLICY:
        assert change.policy is not None
        return Want(policy=change.policy, meta={POLICY_KEY: change.policy.value})
    if change.kind is ChangeKind.ETA:
        return Want(
            meta={
                ETA_LABEL_KEY: change.eta_label,
                ETA_DATE_KEY: change.eta_date.isoformat() if change.eta_date else None,
            }
        )
    add = change.kind is ChangeKind.ADD_TAGS
    return Want(tag_ops=[(add, tag) for tag in change.tags])


def _problem(change: StorefrontChange) -> str | None:
    if not change.product_id.isdigit():
        return f"product id {change.product_id!r} is not a WooCommerce id"
    if change.variant_id is not None and not change.variant_id.isdigit():
        return f"variant id {change.variant_id!r} is not a WooCommerce id"
    if change.kind is ChangeKind.INVENTORY_POLICY and change.policy is None:
        return "inventory policy change without a policy"
    if change.kind in (ChangeKind.ADD_TAGS, ChangeKind.REMOVE_TAGS) and not all(
        tag.strip() for tag in change.tags
    ):
        return "empty tag name"
    return None


class StorefrontWriter:
    def __init__(self, client: WooClient, reader: Reader) -> None:
        self.client = client
        self.reader = reader

    def apply(self, changes: Sequence[StorefrontChange]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(changes)
        valid: list[int] = []
        for index, change in enumerate(changes):
            problem = _problem(change)
            if problem:
                results[index] = WriteResult(change.key, WriteStatus.FAILED, problem)
            else:
                valid.append(index)
        try:
            products = {
                str(row["id"]): row
                for row in self.reader.products_by_id([changes[i].product_id for i in valid])
            }
            variations = self._variations(changes, valid, products)
        except ConnectorError as error:
            for index in valid:
                results[index] = failed_write(changes[index].key, error)
            return [r for r in results if r is not None]
        current: dict[Target, Row] = {}
        wants: dict[Target, Want] = {}
        members: dict[Target, list[int]] = {}
        for index in valid:
            change = changes[index]
            target = self._target(change, products, variations)
            if target is None:
                results[index] = WriteResult(
                    change.key, WriteStatus.FAILED, "product or variation not found"
                )
                continue
            row = products[target[1]] if target[0] == "p" else variations[(target[1], target[2])]
            want = _want_of(change)
            if not diff(row, want):
                results[index] = WriteResult(change.key, WriteStatus.SKIPPED, "already so")
                continue
            current[target] = row
            wants.setdefault(target, Want()).merge(want)
            members.setdefault(target, []).append(index)
        groups: dict[str, list[Target]] = {}
        for target in wants:
            path = (
                "products/batch" if target[0] == "p" else f"products/{target[1]}/variations/batch"
            )
            groups.setdefault(path, []).append(target)
        for path, targets in groups.items():
            for start in range(0, len(targets), PER_PAGE):
                chunk = targets[start : start + PER_PAGE]
                outcome = self._send(path, chunk, current, wants)
                for target in chunk:
                    status, message, retryable = outcome[target]
                    for index in members[target]:
                        results[index] = WriteResult(changes[index].key, status, message, retryable)
        return [r for r in results if r is not None]

    def _variations(
        self, changes: Sequence[StorefrontChange], valid: list[int], products: Mapping[str, Row]
    ) -> dict[tuple[str, str], Row]:
        parents = {
            changes[i].product_id
            for i in valid
            if changes[i].variant_id not in (None, changes[i].product_id)
            and products.get(changes[i].product_id, {}).get("type") == "variable"
        }
        found: dict[tuple[str, str], Row] = {}
        for parent in sorted(parents):
            for row in self.reader.variations(int(parent)):
                found[(parent, str(row["id"]))] = row
        return found

    @staticmethod
    def _target(
        change: StorefrontChange,
        products: Mapping[str, Row],
        variations: Mapping[tuple[str, str], Row],
    ) -> Target | None:
        product = products.get(change.product_id)
        if product is None:
            return None
        variant = change.variant_id
        if variant in (None, change.product_id) or change.kind in (
            ChangeKind.ADD_TAGS,
            ChangeKind.REMOVE_TAGS,
        ):
            return ("p", change.product_id)
        assert variant is not None
        row = variations.get((change.product_id, variant))
        if row is None:
            return None
        if change.kind is ChangeKind.INVENTORY_POLICY and row.get("manage_stock") == "parent":
            return ("p", change.product_id)  # the parent keeps stock and backorders
        return ("v", change.product_id, variant)

    def _reread(self, chunk: list[Target]) -> dict[Target, Row]:
        if chunk[0][0] == "p":
            rows = self.reader.products_by_id([t[1] for t in chunk])
            return {("p", str(row["id"])): row for row in rows}
        parent = chunk[0][1]
        return {("v", parent, str(row["id"])): row for row in self.reader.variations(int(parent))}

    def _send(
        self,
        path: str,
        chunk: list[Target],
        current: dict[Target, Row],
        wants: Mapping[Target, Want],
    ) -> dict[Target, tuple[WriteStatus, str, bool]]:
        attempts = 0
        state = dict(current)

        def attempt() -> dict[Target, Row | dict[str, Any]]:
            nonlocal attempts, state
            attempts += 1
            if attempts > 1:
                state = {**state, **self._reread(chunk)}
            body = []
            order: list[Target] = []
            answers: dict[Target, Row | dict[str, Any]] = {}
            for target in chunk:
                if target not in state:
                    answers[target] = {"error": {"message": "gone", "data": {"status": 404}}}
                    continue
                update = diff(state[target], wants[target])
                if update:
                    body.append({"id": int(target[-1]), **update})
                    order.append(target)
                else:
                    answers[target] = state[target]
            if body:
                reply = self.client.once("POST", path, None, {"update": body}).body
                answers.update(zip(order, batch_updates(path, reply, len(body)), strict=True))
            return answers

        try:
            answers = self.client.retrying(attempt)
        except ConnectorError as error:
            retry = isinstance(error, RetryableError)
            return {t: (WriteStatus.FAILED, str(error), retry) for t in chunk}
        outcome: dict[Target, tuple[WriteStatus, str, bool]] = {}
        for target in chunk:
            item = answers[target]
            error_of = item_error(item)
            if error_of is not None:
                status, problem = error_of
                outcome[target] = (
                    WriteStatus.FAILED,
                    f"{problem.get('code', 'error')}: {problem.get('message', '')}",
                    status >= 500,
                )
                continue
            left = diff(item, wants[target])
            if left:
                # What WooCommerce derived differs from what we wrote (e.g. the store-wide
                # manage-stock option is off): report it, never assume the write stuck.
                outcome[target] = (
                    WriteStatus.CONFLICT,
                    f"WooCommerce kept {sorted(left)} different after the write",
                    False,
                )
            else:
                outcome[target] = (WriteStatus.DONE, "", False)
        return outcome
