"""Case 11 of issue 9: the ASGI wrapper refuses a body past the cap before it is read."""

import asyncio

import pytest

from config.limits import BodyLimit

CHUNK = b"x" * 65536


def run(app, scope, chunks):
    sent, pulled = [], []

    async def receive():
        if chunks:
            body = chunks.pop(0)
            pulled.append(len(body))
            return {"type": "http.request", "body": body, "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent, pulled


def scope(headers=()):
    return {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "headers": list(headers),
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }


async def reads_whole_body(scope, receive, send):
    """Like Django's ASGI handler: read every chunk first, give up on a disconnect."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


@pytest.fixture
def app():
    return BodyLimit(reads_whole_body, max_bytes=256 * 1024)


def test_a_declared_length_over_the_cap_is_refused_without_reading(app):
    chunks = [CHUNK] * 1600  # 100 MiB on offer

    sent, pulled = run(app, scope([(b"content-length", b"104857600")]), chunks)

    assert sent[0]["status"] == 413
    assert b"REQUEST_TOO_LARGE" in sent[1]["body"]
    assert pulled == []


def test_a_chunked_body_is_cut_off_once_it_passes_the_cap(app):
    chunks = [CHUNK] * 1600

    sent, pulled = run(app, scope([(b"content-type", b"application/json")]), chunks)

    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]
    assert sum(pulled) <= 256 * 1024 + len(CHUNK)


def test_a_small_body_goes_through(app):
    body = b'{"query": "{ me { id } }"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    sent, _ = run(app, scope(headers), [body])

    assert (sent[0]["status"], sent[1]["body"]) == (200, str(len(body)).encode())
