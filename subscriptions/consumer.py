"""The GraphQL WebSocket endpoint: graphql-transport-ws only (the legacy graphql-ws protocol
had an authentication bypass), browser origins checked against an explicit list."""

from channels.db import database_sync_to_async
from django.conf import settings
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from accounts.services.tokens import api_token_authenticate
from schema.context import Context


class PlatformGraphQLWSConsumer(GraphQLWSConsumer):
    """Authenticates once per connection: a bearer token in the ``connection_init`` payload
    (``{"authorization": "Bearer <token>"}``) for apps, else the session cookie's user."""

    async def get_context(self, request, response) -> Context:
        return Context(request=request, user=self.scope.get("user"))

    async def on_ws_connect(self, context: Context):
        payload = context.connection_params or {}
        header = str(payload.get("authorization") or payload.get("Authorization") or "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() == "bearer" and raw.strip():
            found = await database_sync_to_async(api_token_authenticate)(raw.strip())
            if found is None:
                raise ConnectionRejectionError
            context.user = found[0]
        return UNSET


def graphql_ws_consumer():
    from schema import schema

    return PlatformGraphQLWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.WEBSOCKET_ALLOWED_ORIGINS,
    )
