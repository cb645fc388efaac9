"""Storefront writes: inventory policy, product tags and our ETA metafields, only where they differ.

Current state is re-read first (one ``nodes`` query per 50 ids), so a rerun of the same changes
reports ``skipped`` and writes nothing; each change gets its own :class:`WriteResult`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.common import failed_write
from adapters.shopify.client import GraphQLClient
from adapters.shopify.eta_definitions import ensure_eta_definitions
from adapters.shopify.mapping import METAFIELD_NAMESPACE
from connector.errors import ConnectorError, RetryableError
from connector.model import ChangeKind, InventoryPolicy, StorefrontChange, WriteResult, WriteStatus

__all__ = ["StorefrontWriter"]

log = logging.getLogger(__name__)

READ_BATCH = 50
GID_PREFIX = "gid://shopify/"
METAFIELD_BATCH = 25
VARIANT_BATCH = 250


def _result(
    change: StorefrontChange, status: WriteStatus, message: str = "", retryable: bool = False
) -> WriteResult:
    return WriteResult(change.key, status, message, retryable)


def _failure(error: ConnectorError) -> tuple[WriteStatus, str, bool]:
    """A call that raised: failed, with its words, retryable when the error says so."""
    return WriteStatus.FAILED, str(error), isinstance(error, RetryableError)


class StorefrontWriter:
    def __init__(self, client: GraphQLClient) -> None:
        self.client = client
        self.definitions_ready = False
        """Whether this writer has made sure the ETA metafield definitions exist (once)."""

    def ensure_definitions(self) -> None:
        """Create the ETA metafield definitions once per writer; a failure is logged and tried
        again at the next ETA write, and never holds the ETA values back."""
        if self.definitions_ready:
            return
        try:
            problems = ensure_eta_definitions(self.client)
        except ConnectorError as error:
            log.warning("metafield definitions not checked (tried again later): %s", error)
            return
        for problem in problems:
            log.warning("%s", problem)
        self.definitions_ready = True

    def current(self, ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        nodes: dict[str, Mapping[str, Any]] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), READ_BATCH):
            batch = unique[start : start + READ_BATCH]
            data = self.client.run(
                "StorefrontState", {"ids": batch}, key=f"StorefrontState:{len(batch)}"
            )
            for node in data.get("nodes") or ():
                if isinstance(node, Mapping) and node.get("id"):
                    nodes[str(node["id"])] = node
        return nodes

    def apply(self, changes: Sequence[StorefrontChange]) -> list[WriteResult]:
        results: dict[int, WriteResult] = {}
        ids = [c.variant_id or c.product_id for c in changes]
        try:
            state = self.current([i for i in ids if i and i.startswith(GID_PREFIX)])
        except ConnectorError as error:
            return [failed_write(c.key, error) for c in changes]
        policy: dict[str, list[tuple[int, StorefrontChange]]] = {}
        eta: list[tuple[int, StorefrontChange, Mapping[str, Any]]] = []
        for index, change in enumerate(changes):
            target = change.variant_id or change.product_id
            node = state.get(target or "")
            if not (target or "").startswith(GID_PREFIX):
                results[index] = _result(
                    change, WriteStatus.FAILED, f"{target!r} is not a Shopify id"
                )
            elif node is None:
                results[index] = _result(change, WriteStatus.FAILED, f"{target} does not exist")
            elif change.kind is ChangeKind.INVENTORY_POLICY:
                wanted = "CONTINUE" if change.policy is InventoryPolicy.CONTINUE else "DENY"
                if change.policy is None or node.get("inventoryPolicy") == wanted:
                    results[index] = _result(change, WriteStatus.SKIPPED, "already so")
                else:
                    product = (node.get("product") or {}).get("id") or change.product_id
                    policy.setdefault(product, []).append((index, change))
            elif change.kind in (ChangeKind.ADD_TAGS, ChangeKind.REMOVE_TAGS):
                results[index] = self._tags(change, node)
            elif change.kind is ChangeKind.ETA:
                if _eta_now(node) == _eta_wanted(change):
                    results[index] = _result(change, WriteStatus.SKIPPED, "already so")
                else:
                    eta.append((index, change, node))
        for product, items in policy.items():
            results.update(self._policies(product, items))
        results.update(self._etas(eta))
        if eta:  # after the values: a definition only names them, it never holds them back
            self.ensure_definitions()
        return [results[i] for i in range(len(changes))]

    @staticmethod
    def _guard(
        changes: Sequence[tuple[int, StorefrontChange]], error: ConnectorError
    ) -> dict[int, WriteResult]:
        return {i: failed_write(c.key, error) for i, c in changes}

    def _policies(
        self, product: str, items: list[tuple[int, StorefrontChange]]
    ) -> dict[int, WriteResult]:
        out: dict[int, WriteResult] = {}
        for start in range(0, len(items), VARIANT_BATCH):
            batch = items[start : start + VARIANT_BATCH]
            variables = {
                "productId": product,
                "variants": [
                    {
                        "id": c.variant_id,
                        "inventoryPolicy": "CONTINUE"
                        if c.policy is InventoryPolicy.CONTINUE
                        else "DENY",
                    }
                    for _, c in batch
                ],
            }
            try:
                data = self.client.run(
                    "VariantsBulkUpdate", variables, key=f"VariantsBulkUpdate:{len(batch)}"
                )
            except ConnectorError as error:
                out.update(self._guard(batch, error))
                continue
            payload = data.get("productVariantsBulkUpdate") or {}
            errors = payload.get("userErrors") or []
            failed = _errors_by_index(errors, "variants")
            general = "; ".join(
                str(e.get("message")) for e in errors if _position(e, "variants") is None
            )
            for position, (index, change) in enumerate(batch):
                if general:
                    out[index] = _result(change, WriteStatus.FAILED, general)
                elif position in failed:
                    out[index] = _result(change, WriteStatus.FAILED, failed[position])
                else:
                    out[index] = _result(change, WriteStatus.DONE)
        return out

    def _tags(self, change: StorefrontChange, node: Mapping[str, Any]) -> WriteResult:
        current = {t.lower() for t in node.get("tags") or ()}
        adding = change.kind is ChangeKind.ADD_TAGS
        todo = [t for t in change.tags if (t.lower() not in current) == adding]
        if not todo:
            return _result(change, WriteStatus.SKIPPED, "already so")
        name = "TagsAdd" if adding else "TagsRemove"
        try:
            data = self.client.run(name, {"id": change.product_id, "tags": todo})
        except ConnectorError as error:
            return failed_write(change.key, error)
        errors = (data.get("tagsAdd" if adding else "tagsRemove") or {}).get("userErrors") or []
        if errors:
            return _result(
                change, WriteStatus.FAILED, "; ".join(str(e.get("message")) for e in errors)
            )
        return _result(change, WriteStatus.DONE)

    def _etas(
        self, items: list[tuple[int, StorefrontChange, Mapping[str, Any]]]
    ) -> dict[int, WriteResult]:
        out: dict[int, WriteResult] = {}
        sets: list[tuple[int, StorefrontChange, dict[str, Any]]] = []
        deletes: list[tuple[int, StorefrontChange, dict[str, Any]]] = []
        for index, change, node in items:
            owner = str(change.variant_id)
            for key, alias, value, type_ in (
                ("eta_label", "etaLabel", change.eta_label, "single_line_text_field"),
                (
                    "eta_date",
                    "etaDate",
                    change.eta_date.isoformat() if change.eta_date else None,
                    "date",
                ),
            ):
                current = node.get(alias) if isinstance(node.get(alias), Mapping) else None
                if value is None:
                    if current is not None:
                        deletes.append(
                            (
                                index,
                                change,
                                {"ownerId": owner, "namespace": METAFIELD_NAMESPACE, "key": key},
                            )
                        )
                elif current is None or current.get("value") != value:
                    entry = {
                        "ownerId": owner,
                        "namespace": METAFIELD_NAMESPACE,
                        "key": key,
                        "value": value,
                        "type": type_,
                    }
                    if current is not None and current.get("compareDigest"):
                        # Compare-and-set: if someone changed it since we read it, we hear of it.
                        entry["compareDigest"] = current["compareDigest"]
                    sets.append((index, change, entry))
        problems: dict[int, tuple[WriteStatus, str, bool]] = {}
        for start in range(0, len(sets), METAFIELD_BATCH):
            batch = sets[start : start + METAFIELD_BATCH]
            try:
                data = self.client.run(
                    "MetafieldsSet",
                    {"metafields": [e for _, _, e in batch]},
                    key=f"MetafieldsSet:{len(batch)}",
                )
            except ConnectorError as error:
                for index, _, _ in batch:
                    problems[index] = _failure(error)
                continue
            for problem in (data.get("metafieldsSet") or {}).get("userErrors") or []:
                position = _position(problem, "metafields")
                targets = (
                    [batch[position]] if position is not None and position < len(batch) else batch
                )
                status = (
                    WriteStatus.CONFLICT
                    if problem.get("code") == "STALE_OBJECT"
                    else WriteStatus.FAILED
                )
                for index, _, _ in targets:
                    problems[index] = (status, str(problem.get("message")), False)
            if (data.get("metafieldsSet") or {}).get("userErrors"):
                # metafieldsSet is all or nothing: resend the good ones on their own.
                retry = [(i, c, e) for i, c, e in batch if i not in problems]
                if retry:
                    try:
                        again = self.client.run(
                            "MetafieldsSet",
                            {"metafields": [e for _, _, e in retry]},
                            key=f"MetafieldsSet:{len(retry)}",
                        )
                        for problem in (again.get("metafieldsSet") or {}).get("userErrors") or []:
                            for index, _, _ in retry:
                                problems[index] = (
                                    WriteStatus.FAILED,
                                    str(problem.get("message")),
                                    False,
                                )
                    except ConnectorError as error:
                        for index, _, _ in retry:
                            problems[index] = _failure(error)
        if deletes:
            try:
                data = self.client.run(
                    "MetafieldsDelete",
                    {"metafields": [e for _, _, e in deletes]},
                    key=f"MetafieldsDelete:{len(deletes)}",
                )
                for problem in (data.get("metafieldsDelete") or {}).get("userErrors") or []:
                    for index, _, _ in deletes:
                        problems[index] = (WriteStatus.FAILED, str(problem.get("message")), False)
            except ConnectorError as error:
                for index, _, _ in deletes:
                    problems[index] = _failure(error)
        for index, change, _ in items:
            status, message, retryable = problems.get(index, (WriteStatus.DONE, "", False))
            out[index] = _result(change, status, message, retryable)
        return out


def _eta_now(node: Mapping[str, Any]) -> tuple[str | None, str | None]:
    label = node.get("etaLabel") if isinstance(node.get("etaLabel"), Mapping) else None
    when = node.get("etaDate") if isinstance(node.get("etaDate"), Mapping) else None
    return (label or {}).get("value"), (when or {}).get("value")


def _eta_wanted(change: StorefrontChange) -> tuple[str | None, str | None]:
    return change.eta_label, change.eta_date.isoformat() if change.eta_date else None


def _position(error: Mapping[str, Any], field: str) -> int | None:
    if isinstance(error.get("elementIndex"), int):
        return int(error["elementIndex"])
    path = error.get("field") or []
    if len(path) >= 2 and path[0] == field and str(path[1]).isdigit():
        return int(path[1])
    return None


def _errors_by_index(errors: Sequence[Mapping[str, Any]], field: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for error in errors:
        position = _position(error, field)
        if position is not None:
            out[position] = str(error.get("message"))
    return out
