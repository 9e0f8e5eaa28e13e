"""The GraphQL WebSocket endpoint: graphql-transport-ws only (the legacy graphql-ws protocol
had an authentication bypass), browser origins checked against an explicit list.

- Authentication once per connection: a bearer token in the ``connection_init`` payload
  (``{"authorization": "Bearer <token>"}``) for apps, else the session cookie's user. A
  socket closes with 4403 as soon as its credential ends (logout, tokenRevoke, another
  device's passwordSet), and re-checks it every ``WEBSOCKET_AUTH_RECHECK_SECONDS`` (an
  expired token, or a revocation whose event was lost in a Redis outage).
- Language: ``{"language": "en"}`` in the ``connection_init`` payload, else the
  handshake's ``Accept-Language``; Chinese by default. Errors and messages follow it.
- Queries and mutations work here too (graphql-ws and urql may send every operation over
  the socket): they run in a worker thread, off the event loop, like an HTTP request.
"""

import asyncio
import logging
from functools import lru_cache

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types.unset import UNSET

from accounts.events import CredentialsRevoked, auth_group
from accounts.services.tokens import api_token_authenticate, credential_valid, session_valid
from kernel.metrics import LIVE_EVENTS_DELIVERED, SUBSCRIBERS
from live.events import MESSAGE_TYPE, LiveEvent
from schema.context import Context

from . import fanout

logger = logging.getLogger(__name__)

REVOKED = 4403  # graphql-transport-ws' "Forbidden": the client must sign in again


@lru_cache(maxsize=512)
def _runs_in_a_thread(query: str, operation_name: str | None) -> bool:
    """A query or a mutation (sync resolvers, the ORM); subscriptions stay on the loop.
    Unparsable documents go the usual way, which reports the syntax error."""
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation != OperationType.SUBSCRIPTION


class PlatformTransportWSHandler(BaseGraphQLTransportWSHandler):
    async def run_operation(self, operation) -> None:
        with translation.override(self.context.language):
            if _runs_in_a_thread(operation.query, operation.operation_name):
                await self._run_in_a_thread(operation)
                return
            SUBSCRIBERS.inc()  # a subscription's run_operation lasts as long as it does
            # This task runs the subscription's generator: it renders its events through
            # the process's shared renderings (subscriptions/fanout.py) and sends them.
            fanout.current_operation.set(operation)
            try:
                await super().run_operation(operation)
            finally:
                SUBSCRIBERS.dec()

    async def send_message(self, message) -> None:
        if message.get("type") == "next":
            for field in (message.get("payload") or {}).get("data") or {}:
                LIVE_EVENTS_DELIVERED.labels(field).inc()  # by root field: a bounded label
        await super().send_message(message)

    async def _run_in_a_thread(self, operation) -> None:
        execute = database_sync_to_async(self.schema.execute_sync, thread_sensitive=False)
        try:
            result = await execute(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                operation_name=operation.operation_name,
            )
        except Exception as error:  # pragma: no cover - execute_sync reports errors itself
            await self.handle_task_exception(error)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
            return
        if result.data is None and result.errors:
            await operation.send_initial_errors(result.errors)
            return
        await operation.send_next(result)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})


def _handshake_language(scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            return _supported(value.decode("latin1"))
    return settings.LANGUAGE_CODE


def _supported(accept: str) -> str:
    for code, _quality in parse_accept_lang_header(accept):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class PlatformGraphQLWSConsumer(GraphQLWSConsumer):
    graphql_transport_ws_handler_class = PlatformTransportWSHandler

    credential: str | None = None
    _user_id: int | None = None
    _session_key: str | None = None
    _recheck: asyncio.Task | None = None

    async def get_context(self, request, response) -> Context:
        return Context(
            request=request, user=self.scope.get("user"), language=_handshake_language(self.scope)
        )

    async def on_ws_connect(self, context: Context):
        payload = context.connection_params or {}
        if isinstance(payload.get("language"), str):
            context.language = _supported(payload["language"])
        header = str(payload.get("authorization") or payload.get("Authorization") or "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() == "bearer" and raw.strip():
            found = await database_sync_to_async(api_token_authenticate)(raw.strip())
            if found is None:
                raise ConnectionRejectionError
            context.user, context.auth_token = found
        self.credential = context.credential()
        if self.credential is not None:
            self._user_id = context.user.pk
            if context.auth_token is None:
                self._session_key = context.session.session_key
            await self.channel_layer.group_add(auth_group(self._user_id), self.channel_name)
            self._recheck = asyncio.ensure_future(self._recheck_credential())
        return UNSET

    async def dispatch(self, message) -> None:
        if message.get("type") == MESSAGE_TYPE:
            # (Lot events never come here: each process's lot hub receives them once and
            # writes to its watchers' sockets itself, subscriptions/lot_hub.py.)
            kind = (message.get("event") or {}).get("type")
            if kind == CredentialsRevoked.TYPE:
                event = LiveEvent.from_message(message)
                if (
                    self.credential is not None
                    and event is not None
                    and event.ends(self.credential)
                ):
                    await self._close_revoked()
                return
        if message.get("type", "").startswith("websocket."):
            # Channels' AsyncConsumer.dispatch would first close stale database connections
            # in a worker thread, for every frame: a thread hop per message. Nothing here
            # touches the database on the loop; what does runs in database_sync_to_async,
            # which closes stale connections in its own thread before and after.
            handler = getattr(self, get_handler_name(message), None)
            if handler is not None:
                await handler(message)
                return
        await super().dispatch(message)

    def _still_valid(self) -> bool:
        if self._session_key is not None:
            return session_valid(user_id=self._user_id, session_key=self._session_key)
        return credential_valid(user_id=self._user_id, credential=self.credential)

    async def _recheck_credential(self) -> None:
        interval = settings.WEBSOCKET_AUTH_RECHECK_SECONDS
        while True:
            await asyncio.sleep(interval)
            try:
                valid = await database_sync_to_async(self._still_valid)()
            except Exception:  # a database hiccup is no reason to drop a socket
                logger.exception("socket credential re-check failed; trying again later")
                continue
            if not valid:
                await self._close_revoked()
                return

    async def _close_revoked(self) -> None:
        self.credential = None
        await self.close(code=REVOKED, reason="Credential revoked")

    async def disconnect(self, code) -> None:
        if self._recheck is not None:
            self._recheck.cancel()
        if self._user_id is not None:
            await self.channel_layer.group_discard(auth_group(self._user_id), self.channel_name)
        await super().disconnect(code)


def graphql_ws_consumer():
    from schema import schema

    return PlatformGraphQLWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.WEBSOCKET_ALLOWED_ORIGINS,
    )
