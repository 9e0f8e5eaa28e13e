"""Descriptions the schema derives instead of repeating by hand.

- An enum value of Django choices is described by its choice label, the Chinese word the
  exchange uses (``LISTED``: 已上架), which a client may also show.
- An ``ErrorCode`` value is described by its message (the English msgid).
- A mutation's one ``input`` argument, its input type and its payload type (with the
  payload's ``errors``) are described by the mutation's name.
- A connection's ``last`` argument gets its own text (Strawberry gives it ``after``'s).

Only what has no description is filled; a description written at the definition wins.
``tests/api/test_schema_descriptions.py`` checks that every element is described.
"""

from django.db.models import Choices
from django.utils import translation
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from schema.errors import ERROR_CODE_SOURCES


def _error_messages() -> dict[str, str]:
    with translation.override("en"):
        return {member.value: str(member.label) for s in ERROR_CODE_SOURCES for member in s}


def _describe_enum_values(enum_type: GraphQLEnumType, error_messages: dict[str, str]) -> None:
    definition = enum_type.extensions.get("strawberry-definition")
    wrapped = getattr(definition, "wrapped_cls", None)
    for name, value in enum_type.values.items():
        if value.description:
            continue
        if enum_type.name == "ErrorCode":
            value.description = error_messages.get(name)
        elif isinstance(wrapped, type) and issubclass(wrapped, Choices) and name in wrapped.names:
            with translation.override("zh-hans"):
                value.description = str(wrapped[name].label)


def _names(mutations: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in mutations)


def _describe_mutations(mutation: GraphQLObjectType) -> None:
    inputs: dict[str, list[str]] = {}
    payloads: dict[str, list[str]] = {}
    for name, field in mutation.fields.items():
        argument = field.args.get("input")
        if argument is not None:
            argument.description = argument.description or f"What `{name}` needs."
            input_type = get_named_type(argument.type)
            if isinstance(input_type, GraphQLInputObjectType):
                inputs.setdefault(input_type.name, []).append(name)
        payload = get_named_type(field.type)
        if isinstance(payload, GraphQLObjectType) and "errors" in payload.fields:
            payloads.setdefault(payload.name, []).append(name)
    for mutations in inputs.values():
        input_type = get_named_type(mutation.fields[mutations[0]].args["input"].type)
        input_type.description = input_type.description or f"The input of {_names(mutations)}."
    for mutations in payloads.values():
        payload = get_named_type(mutation.fields[mutations[0]].type)
        payload.description = payload.description or (
            f"What {_names(mutations)} return{'s' if len(mutations) == 1 else ''}: on success "
            "the object and no `errors`; else the `errors`, and nothing changed."
        )
        errors = payload.fields["errors"]
        errors.description = errors.description or "Why the input was refused (none: done)."


# Strawberry's text for every connection's `last` (a copy of `after`'s), and ours.
_WRONG_LAST = "Returns the items in the list that come after the specified cursor."
LAST = "Returns the last n items of the list (those just before `before`, if given)."


def _describe_last(type_: GraphQLObjectType) -> None:
    for field in type_.fields.values():
        argument = field.args.get("last")
        if argument is not None and argument.description in (None, _WRONG_LAST):
            argument.description = LAST


ROOTS = {
    "Query": "Every read: the viewer (`me`), the trading hall, staff queues, `node(id:)`.",
    "Mutation": "Every write; each takes one `input` and returns its object and `errors`.",
    "Subscription": "Live events over the WebSocket (`graphql-transport-ws`) on `/graphql`.",
}


def describe(schema: GraphQLSchema) -> None:
    error_messages = _error_messages()
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLEnumType) and not type_.name.startswith("__"):
            _describe_enum_values(type_, error_messages)
        if isinstance(type_, GraphQLObjectType):
            _describe_last(type_)
        if type_.name in ROOTS and not type_.description:
            type_.description = ROOTS[type_.name]
    if schema.mutation_type is not None:
        _describe_mutations(schema.mutation_type)
