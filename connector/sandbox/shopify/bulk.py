"""Bulk operations: run a query over a whole connection and write JSONL as Shopify does.

Each node is one line. Nodes of a nested connection are lines of their own carrying ``__parentId``
(the id of the object that holds the connection), written after their parent. The file is served
by the store at a local URL until the store is reset.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values

from connector.sandbox.shopify.collections import collection_field
from connector.sandbox.shopify.connections import order_field, product_field, variant_field
from connector.sandbox.shopify.records import gid, iso
from connector.sandbox.shopify.resolvers import FIELDS, TYPE_OF
from connector.sandbox.shopify.search import matches, parse_query
from connector.sandbox.shopify.store import ShopData

__all__ = ["MAX_CONNECTIONS", "MAX_NESTING", "MAX_RUNNING", "BulkOperation", "BulkRunner"]

_ROOTS = {"products", "productVariants", "orders", "collections"}

MAX_CONNECTIONS = 5
MAX_NESTING = 2
"""Shopify's bulk query limits (shopify.dev/docs/api/usage/bulk-operations/queries, "Operation
restrictions"): at most five connections in all, and connections nested at most two levels below
the top-level one (products > variants is level 1, > images level 2, > metafields level 3 is
refused)."""
MAX_RUNNING = 5
"""Bulk query operations one app may run at once per shop from API version 2026-01."""


class BulkOperation:
    def __init__(self, number: int, query: str, created_at: str) -> None:
        self.number = number
        self.query = query
        self.status = "CREATED"
        self.error_code: str | None = None
        self.created_at = created_at
        self.completed_at: str | None = None
        self.object_count = 0
        self.root_count = 0
        self.file_size: int | None = None
        self.url: str | None = None

    def as_graphql(self) -> dict[str, Any]:
        return {
            "__typename": "BulkOperation",
            "id": gid("BulkOperation", self.number),
            "status": self.status,
            "errorCode": self.error_code,
            "createdAt": self.created_at,
            "completedAt": self.completed_at,
            "objectCount": str(self.object_count),
            "rootObjectCount": str(self.root_count),
            "fileSize": None if self.file_size is None else str(self.file_size),
            "url": self.url,
            "partialDataUrl": None,
            "query": self.query,
            "type": "QUERY",
        }


class _Writer:
    def __init__(
        self, schema: GraphQLSchema, data: ShopData, out: TextIO, children: TextIO | None = None
    ) -> None:
        self.schema = schema
        self.data = data
        self.out = out
        # Ungrouped (groupObjects: false): child lines go elsewhere, written after every parent.
        self.children = children or out
        self.count = 0
        self._nested: list[list[tuple[str | None, Any, SelectionSetNode, list[Any]]]] = []

    def node_line(
        self, obj: Any, type_: Any, selection: SelectionSetNode, parent: str | None
    ) -> None:
        self._nested.append([])
        fields, children = self.fields(obj, type_, selection)
        nested = self._nested.pop()
        if parent is not None:
            fields["__parentId"] = parent
        (self.out if parent is None else self.children).write(
            json.dumps(fields, separators=(",", ":")) + "\n"
        )
        self.count += 1
        own_id = fields.get("id") or parent
        for child_type, child_sel, items in children:
            for item in items:
                self.node_line(item, child_type, child_sel, own_id)
        # Connections under a nested object (inventoryItem.inventoryLevels) hang off that object.
        for nested_parent, child_type, child_sel, items in nested:
            for item in items:
                self.node_line(item, child_type, child_sel, nested_parent or own_id)

    def fields(
        self, obj: Any, type_: Any, selection: SelectionSetNode
    ) -> tuple[dict[str, Any], list[tuple[Any, SelectionSetNode, list[Any]]]]:
        if not isinstance(type_, GraphQLObjectType):
            type_ = self.schema.type_map[TYPE_OF.get(type(obj), "Node")]
        result: dict[str, Any] = {}
        children: list[tuple[Any, SelectionSetNode, list[Any]]] = []
        for node in selection.selections:
            if isinstance(node, InlineFragmentNode):
                if node.type_condition is None or node.type_condition.name.value == type_.name:
                    more, kids = self.fields(obj, type_, node.selection_set)
                    result.update(more)
                    children += kids
                continue
            if not isinstance(node, FieldNode):
                continue
            name = node.name.value
            alias = node.alias.value if node.alias else name
            if name == "__typename":
                result[alias] = type_.name
                continue
            field_def = type_.fields[name]
            args = get_argument_values(field_def, node, {})
            named = get_named_type(field_def.type)
            if named.name.endswith("Connection"):
                args.setdefault("first", 250)
                value = self.resolve(type_.name, name, obj, args, all_pages=True)
                node_sel = _node_selection(node)
                if node_sel is not None:
                    children.append((named.fields["nodes"].type.of_type.of_type, node_sel, value))
                continue
            value = self.resolve(type_.name, name, obj, args)
            result[alias] = self.shape(value, field_def.type, node.selection_set)
        return result, children

    def resolve(
        self, type_name: str, name: str, obj: Any, args: dict[str, Any], all_pages: bool = False
    ) -> Any:
        resolver = FIELDS.get(type_name, {}).get(name)
        if all_pages:
            # A connection in a bulk query has no page size: read every page.
            items: list[Any] = []
            after = None
            while True:
                assert resolver is not None
                conn = resolver(self.data, obj, {**args, "first": 250, "after": after})
                items += conn["nodes"]
                if not conn["pageInfo"]["hasNextPage"]:
                    return items
                after = conn["pageInfo"]["endCursor"]
        if resolver is not None:
            return resolver(self.data, obj, args)
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)

    def shape(self, value: Any, type_: Any, selection: SelectionSetNode | None) -> Any:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if value is None or selection is None:
            return value
        if isinstance(type_, GraphQLList):
            return [self.shape(v, type_.of_type, selection) for v in value]
        fields, children = self.fields(value, get_named_type(type_), selection)
        if children and self._nested:
            self._nested[-1] += [(fields.get("id"), *child) for child in children]
        return fields


def _node_selection(node: FieldNode) -> SelectionSetNode | None:
    for sub in node.selection_set.selections if node.selection_set else ():
        if isinstance(sub, FieldNode) and sub.name.value == "edges":
            for inner in sub.selection_set.selections if sub.selection_set else ():
                if isinstance(inner, FieldNode) and inner.name.value == "node":
                    return inner.selection_set
        if isinstance(sub, FieldNode) and sub.name.value == "nodes":
            return sub.selection_set
    return None


def _connection_levels(
    schema: GraphQLSchema, type_: Any, selection: SelectionSetNode | None, level: int
) -> list[int]:
    """The nesting level of every connection under ``selection`` (the top-level one is 0)."""
    levels: list[int] = []
    for node in selection.selections if selection else ():
        if isinstance(node, InlineFragmentNode):
            target = (
                schema.type_map.get(node.type_condition.name.value)
                if node.type_condition
                else type_
            )
            levels += _connection_levels(schema, target, node.selection_set, level)
            continue
        fields = getattr(type_, "fields", None)
        if not isinstance(node, FieldNode) or not fields or node.name.value not in fields:
            continue
        named: Any = get_named_type(fields[node.name.value].type)
        if named.name.endswith("Connection"):
            levels.append(level + 1)
            node_type = get_named_type(named.fields["nodes"].type)
            levels += _connection_levels(schema, node_type, _node_selection(node), level + 1)
        else:
            levels += _connection_levels(schema, named, node.selection_set, level)
    return levels


def shape_problem(schema: GraphQLSchema, root: FieldNode) -> str | None:
    """Why Shopify would refuse ``root`` as a bulk query's shape, or None when it would run it."""
    query_type = schema.query_type
    assert query_type is not None
    connection: Any = get_named_type(query_type.fields[root.name.value].type)
    node_type = get_named_type(connection.fields["nodes"].type)
    nested = _connection_levels(schema, node_type, _node_selection(root), 0)
    if 1 + len(nested) > MAX_CONNECTIONS:
        return (
            f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections; "
            f"this one has {1 + len(nested)}."
        )
    if nested and max(nested) > MAX_NESTING:
        return (
            f"Bulk queries cannot nest connections more than {MAX_NESTING} levels deep; "
            f"this one nests {max(nested)}."
        )
    return None


class BulkRunner:
    """Runs bulk queries (up to ``MAX_RUNNING`` at once per store) in background threads.

    ``gate`` lets a test keep operations RUNNING: clear it and they wait before writing.
    """

    def __init__(
        self, schema: GraphQLSchema, data: ShopData, folder: Path, url_for: Callable[[int], str]
    ) -> None:
        self.schema = schema
        self.data = data
        self.folder = folder
        self.url_for = url_for
        self.operations: dict[int, BulkOperation] = {}
        self._threads: list[threading.Thread] = []
        self.gate = threading.Event()
        self.gate.set()

    def start(
        self, query: str, group: bool = True
    ) -> tuple[BulkOperation | None, list[dict[str, Any]]]:
        """Start ``query``; ``group`` is ``groupObjects`` (false: children are not kept next to
        their parents, as Shopify's default since 2026-01; here they all come at the end)."""
        try:
            document = parse(query)
        except Exception as error:
            return None, [
                {"field": ["query"], "message": f"Invalid bulk query: {error}", "code": "INVALID"}
            ]
        problems = validate(self.schema, document)
        operation = next(
            (d for d in document.definitions if isinstance(d, OperationDefinitionNode)), None
        )
        roots = (
            [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
            if operation
            else []
        )
        if problems or len(roots) != 1 or roots[0].name.value not in _ROOTS:
            message = (
                problems[0].message
                if problems
                else "Bulk queries must contain exactly one top-level connection field."
            )
            return None, [
                {"field": ["query"], "message": f"Invalid bulk query: {message}", "code": "INVALID"}
            ]
        shape = shape_problem(self.schema, roots[0])
        if shape is not None:
            return None, [
                {"field": ["query"], "message": f"Invalid bulk query: {shape}", "code": "INVALID"}
            ]
        running = [op for op in self.operations.values() if op.status in ("CREATED", "RUNNING")]
        if len(running) >= MAX_RUNNING:
            return None, [
                {
                    "field": None,
                    "message": (
                        f"A bulk query operation for this app and shop is already in progress "
                        f"({MAX_RUNNING} at once)."
                    ),
                    "code": "OPERATION_IN_PROGRESS",
                }
            ]
        op = BulkOperation(self.data.next_id(), query, iso(self.data.clock()) or "")
        self.operations[op.number] = op
        thread = threading.Thread(target=self._run, args=(op, roots[0], group), daemon=True)
        self._threads.append(thread)
        thread.start()
        return op, []

    def _run(self, op: BulkOperation, root: FieldNode, group: bool = True) -> None:
        op.status = "RUNNING"
        self.gate.wait()
        path = self.folder / f"bulk-{op.number}.jsonl"
        side = self.folder / f"bulk-{op.number}.children.jsonl"
        try:
            with (
                path.open("w", encoding="utf-8") as out,
                side.open("w+", encoding="utf-8") as children,
                self.data.lock,
            ):
                writer = _Writer(self.schema, self.data, out, None if group else children)
                query_type = self.schema.query_type
                assert query_type is not None
                args = get_argument_values(query_type.fields[root.name.value], root, {})
                nodes = self._roots(root.name.value, args)
                selection = _node_selection(root)
                connection_type: Any = get_named_type(query_type.fields[root.name.value].type)
                node_type = connection_type.fields["nodes"].type.of_type.of_type
                for obj in nodes:
                    op.root_count += 1
                    if selection is not None:
                        writer.node_line(obj, node_type, selection, None)
                children.seek(0)
                for line in children:
                    out.write(line)
            side.unlink()
            op.object_count = writer.count
            op.file_size = path.stat().st_size
            op.url = self.url_for(op.number)
            op.status = "COMPLETED"
        except Exception:  # a bulk run fails as Shopify's do: status FAILED, never a crashed store
            op.status = "FAILED"
            op.error_code = "INTERNAL_SERVER_ERROR"
        op.completed_at = iso(self.data.clock())
        self.data.emit("bulk_operations/finish", {"bulk": op.number})

    def _roots(self, name: str, args: dict[str, Any]) -> Iterator[Any]:
        # Straight over the records in id order: a bulk run is one pass, not pages.
        tables: dict[str, tuple[dict[int, Any], Callable[[ShopData, Any, str], Any]]] = {
            "products": (self.data.products, product_field),
            "productVariants": (self.data.variants, variant_field),
            "orders": (self.data.orders, order_field),
            "collections": (self.data.collections, collection_field),
        }
        records, field = tables[name]
        terms = parse_query(args.get("query"))
        for obj in list(records.values()):
            if matches(terms, partial(field, self.data, obj)):
                yield obj

    def path(self, number: int) -> Path | None:
        op = self.operations.get(number)
        if op is None or op.status != "COMPLETED":
            return None
        return self.folder / f"bulk-{number}.jsonl"

    def wait(self, timeout: float = 60.0) -> None:
        for thread in self._threads:
            thread.join(timeout)
