"""Top-level errors carry a stable ``extensions.code`` (Apollo's conventions).

- ``GRAPHQL_PARSE_FAILED``: the document does not parse.
- ``GRAPHQL_VALIDATION_FAILED``: it does not validate against the schema (an unknown field,
  a literal of the wrong type or an unknown enum value, the query limits).
- ``BAD_USER_INPUT``: a variable that does not coerce (``$status: "NOPE"``), or a connection
  argument or id the server cannot use (``first: 1000``, a cursor or global id that is not
  one of ours).
- ``UNAUTHENTICATED`` / ``FORBIDDEN``: from the permission classes (schema/permissions.py);
  ``UNAUTHENTICATED`` with ``reason: INVALID_TOKEN`` for a bad bearer token (config.views).

A code already set (by a permission, a limiter) is kept. Mutation refusals are not here:
they are the ``errors`` list of each payload, with the codes of ``ErrorCode``.
"""

import traceback

from django.utils.translation import gettext
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.relay.types import GlobalIDValueError

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"


def _mark(errors: list[GraphQLError] | None, code: str) -> None:
    for error in errors or ():
        if error.extensions is None:
            error.extensions = {}
        error.extensions.setdefault("code", code)


def _raised_by_relay_arguments(exc: BaseException) -> bool:
    """A ValueError from Strawberry's reading of first/last/after/before."""
    frames = traceback.extract_tb(exc.__traceback__)
    return isinstance(exc, ValueError) and any(
        (
            frame.filename.endswith("strawberry/relay/utils.py")
            and frame.name in {"from_arguments", "from_base64"}
        )
        or (  # keyset connections: a cursor of another list or order, first/last too big
            frame.filename.endswith("strawberry_django/relay/cursor_connection.py")
            and frame.name in {"from_cursor", "apply_cursor_pagination"}
        )
        for frame in frames
    )


def _bad_input(error: GraphQLError) -> GraphQLError | None:
    """The error as a BAD_USER_INPUT one, if it is about the caller's input."""
    original = error.original_error
    if error.path is None:
        return error  # refused before any field ran: the variables do not coerce
    if isinstance(original, GlobalIDValueError):
        return error
    if original is not None and _raised_by_relay_arguments(original):
        frames = traceback.extract_tb(original.__traceback__)
        if any(f.name in {"from_base64", "from_cursor"} for f in frames):
            # binascii's "Incorrect padding" says nothing to a client
            return GraphQLError(
                gettext("This cursor is not valid: use one the API returned."),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=original,
                extensions=error.extensions,
            )
        return error
    return None


def mark_parse_errors(errors: list[GraphQLError] | None) -> None:
    """Parse errors escape the extensions (ParserCache parses inside its own hook, so a
    syntax error leaves every hook): the HTTP view marks them on the result."""
    _mark([error for error in errors or () if isinstance(error, GraphQLSyntaxError)], PARSE_FAILED)


def mark_validation_errors(context) -> None:
    _mark(context.pre_execution_errors, VALIDATION_FAILED)


def mark_execution_errors(context) -> None:
    result = context.result
    if result is None or not getattr(result, "errors", None):
        return
    errors = []
    for error in result.errors:
        if (error.extensions or {}).get("code") is None:
            replaced = _bad_input(error)
            if replaced is not None:
                _mark([replaced], BAD_USER_INPUT)
                error = replaced
        errors.append(error)
    result.errors = errors
