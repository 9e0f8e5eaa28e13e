"""The product's ASGI application plus the floors it is measured against, served by the same
Daphne process (benchmarks/fanout.py starts it with ``benchmarks/`` on the path):

- ``/bench/bare`` (WebSocket): a bare Channels consumer of a lot's group. It joins
  ``lot.<id>`` and sends each event's body as a graphql-transport-ws ``next`` frame,
  serialized per socket, with none of ours around it (no GraphQL, no feed) and without
  Channels' per-message thread hop (``AsyncConsumer.dispatch`` closes old database
  connections in a worker thread before every handler).
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from config.asgi import application as product  # isort: skip  (sets Django up first)
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

from auctions.events import lot_group
from live.events import MESSAGE_TYPE


class BareLotConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.lot_id = int(self.scope["url_route"]["kwargs"]["lot_id"])
        await self.accept()
        await self.channel_layer.group_add(lot_group(self.lot_id), self.channel_name)

    async def disconnect(self, code):
        await self.channel_layer.group_discard(lot_group(self.lot_id), self.channel_name)

    async def dispatch(self, message):
        if message.get("type") == MESSAGE_TYPE:  # no thread hop, no handler lookup
            body = dict(message.get("event") or {})
            body["__typename"] = "BidPlaced"
            frame = {"id": "1", "type": "next", "payload": {"data": {"lotEvents": body}}}
            await self.send(text_data=json.dumps(frame, separators=(",", ":"), default=str))
            return
        await super().dispatch(message)


websocket_routes = URLRouter([path("bench/bare/<int:lot_id>", BareLotConsumer.as_asgi())])


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"].startswith("/bench/"):
        return await _bench(scope, receive, send)
    return await product(scope, receive, send)


_bench = ProtocolTypeRouter({"websocket": websocket_routes})
