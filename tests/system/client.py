"""A graphql-transport-ws client over a real socket (the ``websockets`` library), as an
app would use it."""

import asyncio
import json

import websockets

PROTOCOL = "graphql-transport-ws"


class Feed:
    """One subscription on its own socket."""

    def __init__(self, socket, field: str) -> None:
        self.socket = socket
        self.field = field

    @classmethod
    async def open(cls, port: int, query: str, variables=None, *, token=None, field: str):
        socket = await websockets.connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL], open_timeout=20
        )
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 20))
        assert ack["type"] == "connection_ack", ack
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables},
                }
            )
        )
        return cls(socket, field)

    async def next(self, timeout: float) -> dict | None:
        """The next item of the feed; None once it completes. Fails on a closed socket."""
        message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        if message["type"] == "complete":
            return None
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"][self.field]

    async def until(self, predicate, timeout: float) -> list[dict]:
        """Items up to and including the first one ``predicate`` accepts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        items = []
        while True:
            item = await self.next(max(0.1, deadline - loop.time()))
            assert item is not None, f"the feed completed before: {items}"
            items.append(item)
            if predicate(item):
                return items

    async def close(self) -> None:
        await self.socket.close()
