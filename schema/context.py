from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from strawberry.types import Info as _Info

from accounts.events import session_credential, token_credential
from kernel.addresses import client_address_from


@dataclass
class Context:
    """What every resolver gets, over HTTP (the Django request) and over the WebSocket
    (the consumer), with the same questions answered the same way for both."""

    request: HttpRequest | Any
    response: HttpResponse | None = None
    user: Any = None
    connection_params: dict | None = None  # graphql-transport-ws connection_init payload
    auth_token: Any = None  # the bearer token (ApiToken) that signed this caller in, if any
    language: str | None = None  # the socket's language (HTTP: LocaleMiddleware's)
    # Bids one request may still recompute for bidChain (shared by every lot it shows).
    bid_chain_budget: int = 2000

    def __post_init__(self) -> None:
        if self.user is None:
            self.user = getattr(self.request, "user", None) or _anonymous()
        if self.auth_token is None:
            self.auth_token = getattr(self.request, "auth_token", None)

    @property
    def over_websocket(self) -> bool:
        return not isinstance(self.request, HttpRequest)

    @property
    def via_token(self) -> bool:
        """Signed in by a bearer token (no ambient credential), not by a session cookie."""
        return self.auth_token is not None or bool(getattr(self.request, "auth_via_token", False))

    @property
    def session(self):
        if self.over_websocket:
            return getattr(self.request, "scope", {}).get("session")
        return getattr(self.request, "session", None)

    def credential(self) -> str | None:
        """What signed this caller in (a token or a session), as sockets know it."""
        if self.auth_token is not None:
            return token_credential(self.auth_token.pk)
        session = self.session
        if self.user.is_authenticated and session is not None and session.session_key:
            return session_credential(session.session_key)
        return None

    def absolute_url(self, path: str) -> str:
        """``path`` as a full URL of this site over HTTP (as a link a client can open); over
        the WebSocket, where there is no request to build it from, the path itself."""
        build = getattr(self.request, "build_absolute_uri", None)
        return build(path) if build is not None else path

    def client_address(self) -> str | None:
        """The client's address as the trusted proxies tell it (kernel.addresses)."""
        return client_address_from(getattr(self.request, "META", {}))


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


Info = _Info[Context, None]
