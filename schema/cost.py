"""Limits of the schema: a query-cost limit in the spirit of GitHub's node limit, checked
before execution, and no field suggestions in production.

Every connection asks for up to ``first`` (or ``last``; the server's cap when neither is
given) nodes, and each of its nodes then asks for everything below it: a document's cost is
the number of nodes it could return, each connection's page size multiplying its children.
A document over the limit is refused whole, with ``extensions.code = QUERY_TOO_EXPENSIVE``,
before any resolver runs.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from .documents import DocumentMemo

PAGE_ARGUMENTS = ("first", "last")


def _page_size(field: FieldNode, variables: Mapping[str, Any], cap: int) -> int:
    sizes = []
    for argument in field.arguments or ():
        if argument.name.value not in PAGE_ARGUMENTS:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            sizes.append(int(value.value))
        elif isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            if isinstance(given, int):
                sizes.append(given)
    if not sizes:
        return cap
    return max(0, min(max(sizes), cap))


def _id_count(field: FieldNode, variables: Mapping[str, Any], cap: int) -> int:
    """How many objects a field taking ``ids`` (nodes) asks for, at most ``cap``."""
    for argument in field.arguments or ():
        if argument.name.value != "ids":
            continue
        value = argument.value
        if isinstance(value, ListValueNode):
            return min(len(value.values), cap)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return min(len(given), cap) if isinstance(given, list) else 1
    return 1


def _is_connection(field_def, named) -> bool:
    return (
        "first" in field_def.args
        and isinstance(named, GraphQLObjectType)
        and "edges" in named.fields
        and "pageInfo" in named.fields
    )


class _Coster:
    def __init__(self, schema: GraphQLSchema, fragments, variables, cap: int) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.cap = cap

    def _selections(self, selection_set: SelectionSetNode, parent) -> Iterator[tuple]:
        """(field node, the type it is on), flattening fragments."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                on = parent
                if selection.type_condition is not None:
                    on = self.schema.get_type(selection.type_condition.name.value) or parent
                yield from self._selections(selection.selection_set, on)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:  # validation already refused unknown or cyclic ones
                    on = self.schema.get_type(fragment.type_condition.name.value) or parent
                    yield from self._selections(fragment.selection_set, on)

    def cost(self, selection_set: SelectionSetNode | None, parent, multiplier: int) -> int:
        if selection_set is None:
            return 0
        total = 0
        for field, on in self._selections(selection_set, parent):
            fields = getattr(on, "fields", None) or {}
            field_def = fields.get(field.name.value)
            if field_def is None:  # __typename, or a field of a union member
                continue
            named = get_named_type(field_def.type)
            if "ids" in field_def.args:  # nodes(ids:): each id may be a whole object tree
                size = _id_count(field, self.variables, self.cap)
                total += multiplier * size
                total += self.cost(field.selection_set, named, multiplier * max(size, 1))
            elif _is_connection(field_def, named):
                size = _page_size(field, self.variables, self.cap)
                total += multiplier * max(size, 1)
                total += self.cost(field.selection_set, named, multiplier * max(size, 1))
            else:
                total += self.cost(field.selection_set, named, multiplier)
        return total


def document_cost(
    schema: GraphQLSchema,
    document,
    *,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    cap: int,
) -> int:
    """The number of nodes the chosen operation of ``document`` could return."""
    fragments = {}
    operations = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
    if operation_name:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if not operations:
        return 0
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    coster = _Coster(schema, fragments, variables or {}, cap)
    return coster.cost(operation.selection_set, root, 1)


COSTS = DocumentMemo()  # per document and operation: the variables it reads, its costs


class _DocumentCosts:
    """A document's costs by the values of the variables the cost reads (page sizes,
    lists of ids): a bid's document reads none, so its cost is worked out once."""

    MAX = 64

    def __init__(self) -> None:
        self.names: tuple[str, ...] | None = None
        self.costs: dict[tuple, int] = {}


class _Reads:
    """The variables, noting which the cost reads."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables, self.names = variables, []

    def get(self, name: str, default=None):
        self.names.append(name)
        return self.variables.get(name, default)


def _read(value) -> tuple:
    """What of a variable's value the cost can depend on."""
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, list):
        return ("list", len(value))
    return ("other",)


def _cost(context, page_cap: int) -> int:
    document, operation = context.graphql_document, context.operation_name
    variables = context.variables or {}
    entry = COSTS.get(document, (operation, page_cap), _DocumentCosts)
    if entry.names is not None:
        cost = entry.costs.get(tuple(_read(variables.get(name)) for name in entry.names))
        if cost is not None:
            return cost
    reads = _Reads(variables)
    cost = document_cost(
        context.schema._schema, document, operation_name=operation, variables=reads, cap=page_cap
    )
    entry.names = tuple(dict.fromkeys(reads.names))
    if len(entry.costs) < entry.MAX:
        entry.costs[tuple(_read(variables.get(name)) for name in entry.names)] = cost
    return cost


def refuse_if_too_expensive(context, *, max_nodes: int, page_cap: int) -> None:
    """Answer a document whose cost (see :func:`document_cost`) is above ``max_nodes``
    with ``QUERY_TOO_EXPENSIVE`` instead of running it (before execution)."""
    document = context.graphql_document
    if document is None or context.result is not None:
        return
    cost = _cost(context, page_cap)
    if cost > max_nodes:
        context.result = ExecutionResult(
            data=None,
            errors=[
                GraphQLError(
                    f"This query could return {cost} nodes, more than the limit of "
                    f"{max_nodes}: ask for smaller pages (first) or fewer nested lists.",
                    extensions={"code": "QUERY_TOO_EXPENSIVE", "cost": cost, "limit": max_nodes},
                )
            ],
        )


def drop_suggestions(context) -> None:
    """Drop graphql-core's "Did you mean …?" hints from validation errors (production):
    they map a schema whose introspection is off."""
    for error in context.pre_execution_errors or ():
        error.message = _SUGGESTION.sub("", error.message)


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
