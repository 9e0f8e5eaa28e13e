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
    """Values derived from a document (or an operation of it) and a hashable ``extra``
    key, at most ``maxsize`` of them, the least recently used going first."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, document, extra: Hashable) -> Any | None:
        """The value kept for ``document`` and ``extra``, None without one."""
        key = (id(document), extra)
        hit = self._items.get(key)
        if hit is None or hit[0] is not document:
            return None
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
        return hit[1]

    def put(self, document, extra: Hashable, value) -> None:
        with self._lock:
            self._items[(id(document), extra)] = (document, value)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def get(self, document, extra: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept, else ``compute()``'s, kept."""
        value = self.peek(document, extra)
        if value is None:
            value = compute()
            self.put(document, extra, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


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
