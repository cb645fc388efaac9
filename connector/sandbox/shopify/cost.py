"""Calculated query cost and the leaky bucket, as Shopify's Admin GraphQL API applies them.

Requested cost is computed before running the query: an object costs 1, a scalar or enum 0, a
connection 2 plus ``first`` (or ``last``) times the cost of one node, a mutation 10. The actual cost
counts the objects actually returned. A query whose requested cost exceeds 1000 is refused
(``MAX_COST_EXCEEDED``); one whose requested cost exceeds what the bucket holds gets ``THROTTLED``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

__all__ = ["MAX_QUERY_COST", "LeakyBucket", "actual_cost", "requested_cost"]

MAX_QUERY_COST = 1000
MUTATION_COST = 10


def _int_arg(field: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for arg in field.arguments or ():
        if arg.name.value != name:
            continue
        if isinstance(arg.value, IntValueNode):
            return int(arg.value.value)
        if isinstance(arg.value, VariableNode):
            value = variables.get(arg.value.name.value)
            return int(value) if isinstance(value, int) else None
    return None


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def selection(self, selection_set: SelectionSetNode | None, parent: Any) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent)
            elif isinstance(node, InlineFragmentNode):
                target = (
                    self.schema.type_map.get(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                total += self.selection(node.selection_set, target)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    target = self.schema.type_map.get(fragment.type_condition.name.value)
                    total += self.selection(fragment.selection_set, target)
        return total

    def skipped(self, node: FieldNode) -> bool:
        for directive in node.directives or ():
            for arg in directive.arguments or ():
                value: Any = getattr(arg.value, "value", None)
                if isinstance(arg.value, VariableNode):
                    value = self.variables.get(arg.value.name.value)
                if directive.name.value == "include" and value is False:
                    return True
                if directive.name.value == "skip" and value is True:
                    return True
        return False

    def field(self, node: FieldNode, parent: Any) -> int:
        if self.skipped(node):
            return 0
        fields = getattr(parent, "fields", None)
        if not fields or node.name.value not in fields:
            return 0
        field_type = fields[node.name.value].type
        named = get_named_type(field_type)
        if not isinstance(named, GraphQLObjectType) and not hasattr(named, "fields"):
            return 0
        inner = self.selection(node.selection_set, named)
        if named.name.endswith("Connection"):
            size = _int_arg(node, "first", self.variables) or _int_arg(node, "last", self.variables)
            # edges/nodes wrappers cost nothing themselves: each node is counted once per slot.
            return 2 + (size or 0) * max(inner, 1)
        if named.name in ("PageInfo",) or named.name.endswith("Edge"):
            return inner
        unwrapped = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        if isinstance(unwrapped, GraphQLList):
            return 1 + inner
        return 1 + inner


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    if operation.operation.value == "mutation":
        return MUTATION_COST * len(operation.selection_set.selections)
    costing = _Costing(schema, fragments, variables)
    # The root object is free; what hangs under it is counted.
    return max(1, costing.selection(operation.selection_set, schema.query_type))


def actual_cost(data: Any, mutation: bool) -> int:
    """Objects actually returned (nodes of connections and nested objects)."""
    if mutation:
        return MUTATION_COST

    def walk(value: Any) -> int:
        if isinstance(value, dict):
            own = 0 if ("pageInfo" in value or "cursor" in value or "hasNextPage" in value) else 1
            return own + sum(walk(v) for v in value.values())
        if isinstance(value, list):
            return sum(walk(v) for v in value)
        return 0

    if not isinstance(data, dict):
        return 1
    return max(1, sum(walk(v) for v in data.values()))


class LeakyBucket:
    """Shopify's per-app bucket: ``size`` points, refilled at ``restore_rate`` points a second."""

    def __init__(
        self, size: float, restore_rate: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = float(size)
        self.restore_rate = float(restore_rate)
        self._now = now
        self._available = float(size)
        self._at = now()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._now()
        elapsed = max(0.0, now - self._at)
        self._available = min(self.size, self._available + elapsed * self.restore_rate)
        self._at = now

    def available(self) -> float:
        with self._lock:
            self._refill()
            return self._available

    def take(self, requested: float) -> bool:
        """Reserve ``requested`` points; False (nothing taken) when the bucket holds fewer."""
        with self._lock:
            self._refill()
            if requested > self._available:
                return False
            self._available -= requested
            return True

    def refund(self, points: float) -> None:
        with self._lock:
            self._available = min(self.size, self._available + points)

    def status(self) -> dict[str, float]:
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": self.size,
                "currentlyAvailable": int(self._available),
                "restoreRate": self.restore_rate,
            }

    def reset(self) -> None:
        with self._lock:
            self._available = self.size
            self._at = self._now()
