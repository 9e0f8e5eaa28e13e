"""The schema's own checks of a request, as one Strawberry extension (issue 11).

Strawberry builds and enters four hook contexts per extension per request (operation,
parse, validate, execute), about 10 us each extension on this box whether its hooks do
anything or not: with seven extensions that was a fifth of GraphQL's own work on a bid
(``bidPlace``: 175 vs 138 us per request, three extensions against seven, one process).
The checks that were five extensions are here, in the order they ran:

- on the operation: the depth and alias rules added to validation (Strawberry's
  ``AddValidationRules``), the token cap passed to the parser (its ``MaxTokensLimiter``);
- on validation: the document validated once (schema/documents.py), "Did you mean"
  hints dropped where field suggestions are off (production), ``extensions.code`` on
  what validation refused (schema/error_codes.py);
- on execution: a document over the node limit answered with ``QUERY_TOO_EXPENSIVE``
  before it runs (schema/cost.py); ``extensions.code`` on input errors afterwards.

Parsing stays Strawberry's ``ParserCache``, the optimizer strawberry-django's.
"""

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from .cost import drop_suggestions, refuse_if_too_expensive
from .documents import validate
from .error_codes import mark_execution_errors, mark_validation_errors


class RequestChecks(SchemaExtension):
    def __init__(
        self,
        *,
        rules: tuple,
        max_tokens: int,
        max_nodes: int,
        page_cap: int,
        suggestions: bool,
    ) -> None:
        self.rules = tuple(rules)
        self.max_tokens = max_tokens
        self.max_nodes = max_nodes
        self.page_cap = page_cap
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        validate(context)
        yield
        if not self.suggestions:
            drop_suggestions(context)
        mark_validation_errors(context)

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        refuse_if_too_expensive(context, max_nodes=self.max_nodes, page_cap=self.page_cap)
        yield
        mark_execution_errors(context)
