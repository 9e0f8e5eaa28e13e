"""ASGI entry: HTTP through Django (URLconf, middleware, the GraphQL view), WebSocket
``/graphql`` through the Strawberry consumer (graphql-transport-ws only)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from config.collector import tune_garbage_collection  # noqa: E402
from config.limits import BodyLimit  # noqa: E402
from subscriptions.consumer import graphql_ws_consumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A body past its cap is refused while it streams in, before Django reads it.
        "http": BodyLimit(django_application),
        "websocket": AuthMiddlewareStack(URLRouter([path("graphql", graphql_ws_consumer())])),
    }
)

tune_garbage_collection()  # after start-up: what it built is frozen (config/collector.py)
