"""Calculated query cost and the leaky bucket, as Shopify's Admin GraphQL API applies them.

Requested cost is computed before running the query: an object costs 1, a scalar or enum 0, a
connection 2 plus ``first`` (or ``last``) times the cost of one node. A mutation costs 10, which
covers its payload and the payload's own fields; what is selected below those is priced as in a
query (a real ``fulfillmentCreate`` requested 24 and, its fulfillment null, cost 10).

The bucket must hold the requested cost before the query runs (``THROTTLED`` otherwise); once it
has run, the bucket is refunded down to the actual cost, which counts what came back: a connection
costs 2 plus its returned nodes, an object returned as null nothing (shopify.dev "GraphQL Admin API
rate limits", requested and actual cost). A real ``product { variants(first: 200) }`` returning one
variant cost 4. A query whose requested cost exceeds 1000 is refused (``MAX_COST_EXCEEDED``).
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

    def fields_with(
        self, selection_set: SelectionSetNode | None, parent: Any
    ) -> list[tuple[FieldNode, Any]]:
        """The fields of a selection, fragments flattened, each with the type it is selected on."""
        out: list[tuple[FieldNode, Any]] = []
        if selection_set is None:
            return out
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                out.append((node, parent))
            elif isinstance(node, InlineFragmentNode):
                target = (
                    self.schema.type_map.get(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                if not self.skipped(node):
                    out += self.fields_with(node.selection_set, target)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None and not self.skipped(node):
                    target = self.schema.type_map.get(fragment.type_condition.name.value)
                    out += self.fields_with(fragment.selection_set, target)
        return out

    def fields(self, selection_set: SelectionSetNode | None, parent: Any) -> list[FieldNode]:
        return [node for node, _ in self.fields_with(selection_set, parent)]

    def below(self, selection_set: SelectionSetNode | None, payload: Any) -> int:
        """Requested cost of a mutation payload's selection, its own fields' objects free."""
        total = 0
        for node, target in self.fields_with(selection_set, payload):
            cost = self.field(node, target)
            named = self._object_field(node, target)
            if named is not None and not named.name.endswith("Connection") and cost:
                cost -= 1  # the payload's own objects come with the mutation's 10
            total += cost
        return total

    def returned_below(
        self, selection_set: SelectionSetNode | None, payload: Any, value: Any
    ) -> int:
        """Actual cost of a mutation payload's selection, its own fields' objects free."""
        if not isinstance(value, dict):
            return 0
        total = 0
        for node, target in self.fields_with(selection_set, payload):
            cost = self.returned_field(node, target, value)
            named = self._object_field(node, target)
            if named is not None and not named.name.endswith("Connection") and cost:
                cost -= 1
            total += cost
        return total

    def _object_field(self, node: FieldNode, parent: Any) -> Any:
        fields = getattr(parent, "fields", None)
        if not fields or node.name.value not in fields:
            return None
        named = get_named_type(fields[node.name.value].type)
        return named if hasattr(named, "fields") else None

    def returned(self, selection_set: SelectionSetNode | None, parent: Any, value: Any) -> int:
        """What the objects in ``value`` (the answer to ``selection_set`` on ``parent``) cost."""
        if not isinstance(value, dict):
            return 0
        return sum(
            self.returned_field(node, target, value)
            for node, target in self.fields_with(selection_set, parent)
        )

    def returned_field(self, node: FieldNode, parent: Any, value: Mapping[str, Any]) -> int:
        if self.skipped(node):
            return 0
        named = self._object_field(node, parent)
        if named is None:
            return 0
        got = value.get(node.alias.value if node.alias else node.name.value)
        if got is None:
            return 0  # an object that came back null, or a branch of another type
        if named.name.endswith("Connection"):
            return 2 + self.returned(node.selection_set, named, got)
        if named.name == "PageInfo" or named.name.endswith("Edge"):
            if isinstance(got, list):
                return sum(self.returned(node.selection_set, named, item) for item in got)
            return self.returned(node.selection_set, named, got)
        if isinstance(got, list):
            items = [self.returned(node.selection_set, named, item) for item in got]
            if getattr(parent, "name", "").endswith("Connection"):
                return sum(1 + item for item in items)  # a connection's nodes, one by one
            return 1 + max(items) if items else 0
        return 1 + self.returned(node.selection_set, named, got)

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

    def skipped(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
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


def _payload_cost(costing: _Costing, field: FieldNode, parent: Any) -> int:
    """A mutation field: 10, plus what is selected below the payload's own fields."""
    fields = getattr(parent, "fields", None)
    if costing.skipped(field) or not fields or field.name.value not in fields:
        return 0
    payload = get_named_type(fields[field.name.value].type)
    return MUTATION_COST + costing.below(field.selection_set, payload)


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    costing = _Costing(schema, fragments, variables)
    if operation.operation.value == "mutation":
        return sum(
            _payload_cost(costing, node, schema.mutation_type)
            for node in costing.fields(operation.selection_set, schema.mutation_type)
        )
    # The root object is free; what hangs under it is counted.
    return max(1, costing.selection(operation.selection_set, schema.query_type))


def actual_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    data: Any,
    *,
    requested: int,
) -> int:
    """What the query cost once run: the ``requested`` cost counted over what came back.

    Never more than requested; a query that returned no data at all is charged what it requested
    (a real ``products`` without ``first`` answered an error at its requested cost, 2).
    """
    if not isinstance(data, dict):
        return requested
    costing = _Costing(schema, fragments, variables)
    if operation.operation.value == "mutation":
        actual = 0
        for node, target in costing.fields_with(operation.selection_set, schema.mutation_type):
            key = node.alias.value if node.alias else node.name.value
            if key not in data or costing.skipped(node):
                continue
            fields = getattr(target, "fields", None) or {}
            payload = (
                get_named_type(fields[node.name.value].type) if node.name.value in fields else None
            )
            actual += MUTATION_COST + costing.returned_below(node.selection_set, payload, data[key])
    else:
        actual = max(1, costing.returned(operation.selection_set, schema.query_type, data))
    return min(actual, requested)


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
