from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from strawberry.types import Info as _Info

from kernel.addresses import client_address_from


@dataclass
class Context:
    """What every resolver gets: the Django request (HTTP) or the WebSocket consumer."""

    request: HttpRequest | Any
    response: HttpResponse | None = None
    user: Any = None
    connection_params: dict | None = None  # graphql-transport-ws connection_init payload
    # Bids one request may still recompute for bidChain (shared by every lot it shows).
    bid_chain_budget: int = 2000

    def __post_init__(self) -> None:
        if self.user is None:
            self.user = getattr(self.request, "user", None) or _anonymous()

    def client_address(self) -> str | None:
        """The client's address as the trusted proxies tell it (kernel.addresses)."""
        return client_address_from(getattr(self.request, "META", {}))


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


Info = _Info[Context, None]
