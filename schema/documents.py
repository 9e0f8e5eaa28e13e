"""What the server works out from a parsed document, kept per document (issue 11).

Strawberry's ``ParserCache`` hands back the same ``DocumentNode`` object for the same
query text, so the object itself can key what is derived from it. Strawberry's
``ValidationCache`` keyed an ``lru_cache`` by the document's value instead, and hashing a
document walks its whole tree: about a tenth of the server's own work on a small
mutation (``bidPlace``), every request. Here a document is looked up by identity (the
entry holds the document, so its id is not reused while it is kept).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from strawberry.schema.schema import validate_document


class DocumentMemo:
    """Values computed from a document and a hashable ``extra`` key, at most ``maxsize``
    of them, the least recently used going first; an ``extra`` that is None or holds something
    unhashable keeps nothing."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, document, extra: Hashable, compute: Callable[[], Any]) -> Any:
        if extra is None:
            return compute()
        try:
            key = (id(document), extra)
            hit = self._items.get(key)
        except TypeError:  # something unhashable in extra
            return compute()
        if hit is not None and hit[0] is document:
            with self._lock:  # the least recently used goes first
                if key in self._items:
                    self._items.move_to_end(key)
            return hit[1]
        value = compute()
        with self._lock:
            self._items[key] = (document, value)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


VALIDATIONS = DocumentMemo()


def validate(context) -> None:
    """Strawberry's ``ValidationCache``, keyed by the document object and the rules."""
    schema, document, rules = (
        context.schema._schema,
        context.graphql_document,
        context.validation_rules,
    )
    context.pre_execution_errors = VALIDATIONS.get(
        document, (id(schema), rules), lambda: validate_document(schema, document, rules)
    )
