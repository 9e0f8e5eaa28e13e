"""A graphql-transport-ws client on the real ASGI application, for API tests."""

import json

from channels.testing import WebsocketCommunicator

from config.asgi import application

PROTOCOL = "graphql-transport-ws"
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


class Socket:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    @classmethod
    async def open(cls, payload: dict | None = None, *, headers=(), ack: bool = True):
        communicator = WebsocketCommunicator(
            application, "/graphql", subprotocols=[PROTOCOL], headers=[ORIGIN, *headers]
        )
        connected, _ = await communicator.connect()
        assert connected
        socket = cls(communicator)
        await communicator.send_json_to({"type": "connection_init", "payload": payload or {}})
        if ack:
            assert (await socket.receive())["type"] == "connection_ack"
        return socket

    async def subscribe(self, id: str, query: str, variables: dict | None = None) -> None:
        await self.communicator.send_json_to(
            {"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    async def receive(self, timeout: float = 5) -> dict:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def data(self, field: str, timeout: float = 5) -> dict:
        """The next ``next`` message's ``data[field]`` (any other message fails)."""
        message = await self.receive(timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"][field]

    async def closed(self, timeout: float = 5) -> int:
        """Wait for the server to close the socket; its close code."""
        while True:
            output = await self.communicator.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return output.get("code")

    async def nothing_for(self, seconds: float) -> bool:
        return await self.communicator.receive_nothing(timeout=seconds)

    async def close(self) -> None:
        await self.communicator.disconnect()


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
