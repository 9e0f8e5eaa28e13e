"""An ASGI wrapper that bounds a request body while it streams in.

Django's ASGI handler reads the whole body (spooling it to disk) before any middleware
runs, so ``config.middleware`` can only refuse a *declared* size. This wrapper refuses a
``Content-Length`` over ``GRAPHQL_MAX_BODY_BYTES`` without reading a byte, and counts the
bytes of a body sent without one (chunked), answering 413 and cutting the request off
once it passes the cap. Wire it around the HTTP application in ``config/asgi.py``:
``"http": BodyLimit(django_application)``.
"""

import json

from django.conf import settings


def _too_large_body(limit: int) -> bytes:
    return json.dumps(
        {
            "data": None,
            "errors": [
                {
                    "message": f"The request body is over the {limit}-byte limit.",
                    "extensions": {"code": "REQUEST_TOO_LARGE"},
                }
            ],
        }
    ).encode()


class BodyLimit:
    def __init__(self, app, *, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.max_bytes or settings.GRAPHQL_MAX_BODY_BYTES
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # Django answers a malformed header itself
            if too_large:
                return await self._refuse(send, limit)
        state = {"received": 0, "refused": False}

        async def limited_receive():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["refused"] = True
                    await self._refuse(send, limit)
                    return {"type": "http.disconnect"}  # the app stops reading and answers nothing
            return message

        async def guarded_send(message):
            if not state["refused"]:
                await send(message)

        return await self.app(scope, limited_receive, guarded_send)

    @staticmethod
    async def _refuse(send, limit: int) -> None:
        body = _too_large_body(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
