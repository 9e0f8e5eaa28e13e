"""ASGI entry: HTTP through Django (URLconf, middleware, the GraphQL view), WebSocket
``/graphql`` through the Strawberry consumer (graphql-transport-ws only)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from config.limits import BodyLimit  # noqa: E402
from subscriptions.consumer import graphql_ws_consumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A body past its cap is refused while it streams in, before Django reads it.
        "http": BodyLimit(django_application),
        "websocket": AuthMiddlewareStack(URLRouter([path("graphql", graphql_ws_consumer())])),
    }
)

# Garbage collection in the web process: it keeps many long-lived objects per open socket
# (Twisted's, autobahn's, Channels' and Strawberry's: about 600,000 with a thousand
# sockets) and a live lot's fan-out makes a few short-lived ones per frame. With CPython's
# default thresholds (700, 10, 10) a full collection ran every few seconds under a busy
# lot and took 0.2-0.8 s, during which no frame went out and no request was answered: the
# fan-out's p99 (docs/benchmarks.md). Freezing what start-up built (Django, the schema,
# this application) takes it out of every collection; a young generation of 50,000 lets
# the per-frame objects die before a collection sees them, so far fewer reach the old
# generations; the middle one is collected every 5 young collections, so that the cyclic
# garbage of sockets that closed (about 140 objects each) goes while it is still young,
# in small collections, and the full collection comes rarely.
gc.freeze()
gc.set_threshold(50_000, 5, 100)
