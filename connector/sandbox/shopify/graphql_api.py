"""The Admin GraphQL endpoint: validation, cost and bucket, execution, Shopify-shaped answers."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_directive_values

from connector.sandbox.shopify.bulk import BulkRunner
from connector.sandbox.shopify.connections import ConnectionArgsError
from connector.sandbox.shopify.cost import (
    MAX_QUERY_COST,
    LeakyBucket,
    actual_cost,
    requested_cost,
)
from connector.sandbox.shopify.definitions import definitions
from connector.sandbox.shopify.mutations import MUTATIONS
from connector.sandbox.shopify.order_edits import IDEMPOTENCY_KEY
from connector.sandbox.shopify.records import parse_gid
from connector.sandbox.shopify.resolvers import FIELDS, TYPE_OF
from connector.sandbox.shopify.store import ShopData

__all__ = ["GraphQLEndpoint"]

BUSY = "This resource is being modified by another request. Please try again later."


def _idempotency_key(info: Any) -> str | None:
    """The ``@idempotent(key:)`` on the mutation's field, its variable resolved (None: none)."""
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            values = get_directive_values(
                info.schema.get_directive("idempotent"), info.field_nodes[0], info.variable_values
            )
            return str(values["key"]) if values else None
    return None


def _bind(
    schema: GraphQLSchema, data: ShopData, bulk: BulkRunner, shop: dict[str, Any], scopes: list[str]
) -> None:
    for type_name, fields in FIELDS.items():
        graphql_type = schema.type_map[type_name]
        for field_name, resolver in fields.items():

            def resolve(obj: Any, info: Any, _r: Any = resolver, **args: Any) -> Any:
                try:
                    return _r(data, obj, args)
                except ConnectionArgsError as error:
                    raise GraphQLError(str(error)) from None

            graphql_type.fields[field_name].resolve = resolve  # type: ignore[attr-defined]
    query = schema.type_map["QueryRoot"].fields  # type: ignore[attr-defined]
    query["shop"].resolve = lambda obj, info: shop
    query["currentAppInstallation"].resolve = lambda obj, info: {
        "id": "gid://shopify/AppInstallation/1",
        "accessScopes": [{"handle": s, "description": s.replace("_", " ")} for s in scopes],
    }

    def bulk_by_id(obj: Any, info: Any, id: str) -> Any:
        ref = parse_gid(id, "BulkOperation")
        op = bulk.operations.get(ref[1]) if ref else None
        return op.as_graphql() if op else None

    def current_bulk(obj: Any, info: Any, type: str = "QUERY") -> Any:
        return (
            max(bulk.operations.values(), key=lambda o: o.number).as_graphql()
            if bulk.operations
            else None
        )

    query["bulkOperation"].resolve = bulk_by_id
    query["currentBulkOperation"].resolve = current_bulk
    query["metafieldDefinitions"].resolve = lambda obj, info, **args: definitions(data, obj, args)
    mutation = schema.type_map["Mutation"].fields  # type: ignore[attr-defined]
    for name, run in MUTATIONS.items():

        def resolve_mutation(obj: Any, info: Any, _run: Any = run, **args: Any) -> Any:
            if data.failing_writes:
                # The `batch_partial` fault: this write is refused, the others in the plan go on.
                return {"userErrors": [{"field": None, "message": BUSY, "code": None}]}
            key = _idempotency_key(info)
            return _run(data, {**args, IDEMPOTENCY_KEY: key} if key else args)

        mutation[name].resolve = resolve_mutation

    def run_bulk(obj: Any, info: Any, query: str, groupObjects: bool) -> Any:  # noqa: N803
        op, errors = bulk.start(query, group=groupObjects)
        return {"bulkOperation": op.as_graphql() if op else None, "userErrors": errors}

    mutation["bulkOperationRunQuery"].resolve = run_bulk

    def resolve_type(obj: Any, info: Any, abstract: Any) -> str | None:
        if isinstance(obj, dict):
            return obj.get("__typename")
        return TYPE_OF.get(type(obj))

    schema.type_map["Node"].resolve_type = resolve_type  # type: ignore[attr-defined]


class GraphQLEndpoint:
    """Answers one GraphQL POST body as Shopify would (always HTTP 200 once authenticated)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        data: ShopData,
        bulk: BulkRunner,
        bucket: LeakyBucket,
        *,
        shop: dict[str, Any],
        scopes: list[str],
    ) -> None:
        self.schema = schema
        self.data = data
        self.bucket = bucket
        self._prepared: dict[str, tuple[DocumentNode, list[GraphQLError]]] = {}
        self.throttled_answers = 0
        _bind(schema, data, bulk, shop, scopes)

    def _prepare(self, query: str) -> tuple[DocumentNode, list[GraphQLError]]:
        """Parse and validate once per distinct document: clients send the same few again and again."""
        cached = self._prepared.get(query)
        if cached is None:
            document = parse(query)
            cached = (document, validate(self.schema, document))
            if len(self._prepared) < 256:
                self._prepared[query] = cached
        return cached

    def cost_block(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }

    def answer(
        self, body: Any, throttle: bool = False, fail_writes: bool = False
    ) -> tuple[dict[str, Any], float, str]:
        """(response JSON, actual cost, operation label); ``fail_writes`` refuses its mutations."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return (
                {
                    "errors": [
                        {
                            "message": "Parameter Missing or Invalid",
                            "extensions": {"code": "BAD_REQUEST"},
                        }
                    ]
                },
                0,
                "",
            )
        variables = body.get("variables") or {}
        try:
            document, problems = self._prepare(body["query"])
        except GraphQLError as error:
            return {"errors": [error.formatted]}, 0, ""
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if problems or not operations:
            return (
                {"errors": [p.formatted for p in problems] or [{"message": "No operation"}]},
                0,
                "",
            )
        chosen = body.get("operationName")
        operation = next(
            (o for o in operations if o.name and o.name.value == chosen), operations[0]
        )
        label = (
            operation.name.value
            if operation.name
            else ",".join(
                s.name.value for s in operation.selection_set.selections if hasattr(s, "name")
            )
        )
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        requested = requested_cost(self.schema, operation, fragments, variables)
        if requested > MAX_QUERY_COST:
            return (
                {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": requested,
                                "maxCost": MAX_QUERY_COST,
                            },
                        }
                    ],
                    "extensions": self.cost_block(requested, None),
                },
                0,
                label,
            )
        if throttle or not self.bucket.take(requested):
            if not throttle:
                self.throttled_answers += 1  # a real one, not an injected fault
            return (
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": "https://shopify.dev/api/usage/rate-limits",
                            },
                        }
                    ],
                    "extensions": self.cost_block(requested, None),
                },
                0,
                label,
            )
        with self.data.lock:
            self.data.failing_writes = fail_writes
            try:
                result: ExecutionResult = execute(  # type: ignore[assignment]
                    self.schema, document, variable_values=variables, operation_name=chosen
                )
            finally:
                self.data.failing_writes = False
        actual = actual_cost(
            self.schema, operation, fragments, variables, result.data, requested=requested
        )
        # Charged the requested cost up front, refunded down to the actual cost once run.
        self.bucket.refund(max(0, requested - actual))
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        payload["data"] = result.data
        payload["extensions"] = self.cost_block(requested, actual)
        return payload, actual, label
