"""The one connection type of every list: Relay's edges and pageInfo, and a total count
that is always there (issue 10: strawberry-django's is nullable)."""

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
