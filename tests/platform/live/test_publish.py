"""publish(): the sends have gone when its commit callback returns, in order; in a request
through the loop that serves it, elsewhere (the worker) through one background loop of the
process, so a Redis layer keeps one connection."""

import asyncio
import dataclasses
import logging
import random
import threading
import time

import pytest
from asgiref.sync import sync_to_async

from live import events
from live.events import LiveEvent, publish

# publish() hangs its sends on the commit (at once outside a transaction)
pytestmark = pytest.mark.django_db(transaction=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Ping(LiveEvent):  # no TYPE: not registered beside the apps' events
    n: int


class RecordingLayer:
    """A channel layer that records each group_send once it completes; ``pause`` makes
    each send take a little while, ``slow_first`` makes the first one take ``slow_first``
    seconds."""

    def __init__(self, *, pause: bool = False, slow_first: float = 0.0) -> None:
        self.sent: list[tuple[str, int]] = []
        self.pause = pause
        self.slow_first = slow_first
        self.fail_groups: set[str] = set()

    async def group_send(self, group: str, message: dict) -> None:
        if self.slow_first:
            delay, self.slow_first = self.slow_first, 0.0
            await asyncio.sleep(delay)
        if self.pause:
            await asyncio.sleep(random.random() / 500)
        if group in self.fail_groups:
            raise ConnectionError("redis is away")
        self.sent.append((group, message["event"]["n"]))


@pytest.fixture
def layer(monkeypatch):
    holder = {}

    def install(**kwargs):
        holder["layer"] = RecordingLayer(**kwargs)
        monkeypatch.setattr(events, "get_channel_layer", lambda: holder["layer"])
        return holder["layer"]

    return install


async def test_a_served_request_has_sent_its_events_when_publish_returns(layer):
    recording = layer()

    await sync_to_async(publish)([("lot.1", Ping(n=1)), ("lot.2", Ping(n=2))])

    assert recording.sent == [("lot.1", 1), ("lot.2", 2)]


async def test_sends_keep_their_order(layer):
    recording = layer(pause=True)

    def many():
        for n in range(60):
            publish([("lot.1", Ping(n=n))])

    await sync_to_async(many)()

    assert recording.sent == [("lot.1", n) for n in range(60)]


async def test_one_unreachable_group_does_not_silence_the_others(layer, caplog):
    recording = layer()
    recording.fail_groups = {"lot.2"}

    with caplog.at_level(logging.ERROR, logger="live.events"):
        await sync_to_async(publish)([("lot.2", Ping(n=1)), ("lot.3", Ping(n=2))])

    assert recording.sent == [("lot.3", 2)]
    assert "live event to lot.2 not sent" in caplog.text


def test_a_send_that_outlives_its_wait_is_not_overtaken(layer, monkeypatch, caplog):
    recording = layer(slow_first=0.5)
    monkeypatch.setattr(events, "BACKGROUND_SEND_TIMEOUT", 0.1)

    with caplog.at_level(logging.ERROR, logger="live.events"):
        publish([("lot.1", Ping(n=1))])  # as the worker publishes: times out, goes on
        publish([("lot.1", Ping(n=2))])
    deadline = time.monotonic() + 5
    while len(recording.sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert recording.sent == [("lot.1", 1), ("lot.1", 2)]
    assert "not sent within" in caplog.text


def test_where_no_loop_serves_the_thread_the_sends_go_before_publish_returns(layer):
    recording = layer()

    publish([("lot.1", Ping(n=7))])

    assert recording.sent == [("lot.1", 7)]


@pytest.fixture
def redis_layer(monkeypatch):
    """The production layer (channels-redis pub/sub) on this suite's Redis, with a prefix of
    this test's own; counts the per-loop layers (each holds a Redis connection) it makes."""
    import os
    import uuid

    from channels_redis import pubsub

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL (the production configuration)")
    made = []
    original = pubsub.RedisPubSubLoopLayer.__init__

    def counting(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(pubsub.RedisPubSubLoopLayer, "__init__", counting)
    layer = pubsub.RedisPubSubChannelLayer(hosts=[url], prefix=f"t{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    return layer, made


def test_the_worker_sends_through_one_loop_and_connection(redis_layer):
    layer, made = redis_layer
    received = []

    async def listen(ready: asyncio.Event, done: asyncio.Event):
        channel = await layer.new_channel()
        await layer.group_add("lot.9", channel)
        ready.set()
        while len(received) < 20:
            received.append((await layer.receive(channel))["event"]["n"])
        done.set()

    loop = asyncio.new_event_loop()
    ready, done = asyncio.Event(), asyncio.Event()
    listener = threading.Thread(target=loop.run_until_complete, args=(listen(ready, done),))
    listener.start()
    try:
        while not ready.is_set():  # set on the listener's loop; read here only
            listener.join(0.05)
        before = len(made)

        for n in range(20):  # as the worker publishes: no loop serves this thread
            publish([("lot.9", Ping(n=n))])

        listener.join(10)
        assert received == list(range(20))
        assert len(made) - before == 1  # one loop layer (one connection) for the 20 sends
    finally:
        if listener.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            listener.join(5)
