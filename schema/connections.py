"""The connection type of lists paged by offset (seasons, tokens, an import's rows): Relay's
edges and pageInfo, and a total count that is always there (issue 10: strawberry-django's
is nullable). Lists whose order moves use strawberry-django's DjangoCursorConnection
(keyset cursors; its total count is non-null already)."""

import strawberry
from strawberry import relay
from strawberry_django.relay import DjangoListConnection

_total_count = DjangoListConnection.__strawberry_definition__.get_field("total_count")


@strawberry.type(name="Connection", description="A page of a list, with the list's size.")
class Connection(DjangoListConnection[relay.NodeType]):
    @strawberry.field(
        description="How many items the whole list has (every page; its filters applied)."
    )
    def total_count(self) -> int:
        return _total_count.base_resolver.wrapped_func(self)
