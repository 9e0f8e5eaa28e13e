"""One definition per live event.

Each event is a frozen dataclass (a subclass of :class:`LiveEvent` with its ``TYPE``): the
publisher builds it, :func:`publish` sends it after the transaction commits, and the
subscription gets the same class back from :meth:`LiveEvent.from_message`. On the wire
(the channel layer: msgpack through Redis, JSON through the embedded relay) it is a plain
dict of JSON values, so every layer carries it unchanged.

Group names follow ``^[A-Za-z0-9._-]{1,99}$``.
"""

import asyncio
import dataclasses
import logging
import os
import threading
import typing
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Any, ClassVar, Self

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The channel-layer message type every live event travels under (consumers listen to it).
MESSAGE_TYPE = "platform.event"

_registry: dict[str, type["LiveEvent"]] = {}


def user_group(user_id: int) -> str:
    """A user's private events (notifications, review decisions)."""
    return f"user.{user_id}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class LiveEvent:
    """Base of every live event. Fields may be int, str, bool, Decimal, datetime, lists or
    dicts of JSON values, or ``X | None`` of these."""

    TYPE: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.TYPE:
            if cls.TYPE in _registry and _registry[cls.TYPE] is not cls:
                raise ValueError(f"live event type {cls.TYPE} is defined twice")
            _registry[cls.TYPE] = cls

    def to_message(self) -> dict:
        body = {"type": self.TYPE}
        for field in dataclasses.fields(self):
            body[field.name] = _encode(getattr(self, field.name))
        return {"type": MESSAGE_TYPE, "event": body}

    @classmethod
    def from_message(cls, message: dict) -> "LiveEvent | None":
        """The event in a channel-layer message; None for a type this process does not know
        (a newer publisher during a rolling deploy) or a malformed one (logged)."""
        body = message.get("event") or {}
        event_class = _registry.get(body.get("type", ""))
        if event_class is None:
            return None
        try:
            return event_class._decode(body)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            logger.warning("malformed live event dropped: %r", body)
            return None

    @classmethod
    def _decode(cls, body: dict) -> Self:
        hints = _hints(cls)
        return cls(**{name: _decode(body[name], hint) for name, hint in hints.items()})


@cache
def _hints(cls) -> dict[str, Any]:
    resolved = typing.get_type_hints(cls)
    return {field.name: resolved[field.name] for field in dataclasses.fields(cls)}


def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return value


def _decode(value, hint):
    if value is None:
        return None
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    return value


async def _send_all(layer, wire: list[tuple[str, dict]]) -> None:
    for group, message in wire:
        try:
            await layer.group_send(group, message)
        except Exception:  # one unreachable group must not silence the others
            logger.exception("live event to %s not sent", group)


class _OrderedSender:
    """The sends handed to the background loop, sent one batch at a time in the order they
    were handed (a batch that outlived its caller's wait must not be overtaken by the next
    one). Touched only on its loop (``call_soon_threadsafe``)."""

    def __init__(self) -> None:
        self.pending: deque[tuple[Any, list[tuple[str, dict]], Future]] = deque()
        self.task: asyncio.Task | None = None

    def put(self, layer, wire: list[tuple[str, dict]], done: Future) -> None:
        self.pending.append((layer, wire, done))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self.pending:
            layer, wire, done = self.pending.popleft()
            try:
                await _send_all(layer, wire)
            finally:
                if not done.done():
                    done.set_result(None)


# Sends from code that no loop serves wait this long at most (a Redis that does not answer
# must not stall the worker for good; the send goes on in the background and is logged).
BACKGROUND_SEND_TIMEOUT = 10.0
_background: tuple[asyncio.AbstractEventLoop, threading.Thread, int, _OrderedSender] | None = None
_background_lock = threading.Lock()


def _background_loop() -> tuple[asyncio.AbstractEventLoop, _OrderedSender]:
    """One event loop per process on a daemon thread, for the sends of code that no loop
    serves (the worker, a management command). A channel layer keeps its connections per
    event loop: ``async_to_sync`` made a loop per publish, so every publish opened (and
    closed) a Redis connection of its own."""
    global _background
    with _background_lock:
        pid = os.getpid()
        if _background is None or _background[2] != pid or not _background[1].is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="live-events", daemon=True)
            thread.start()
            _background = (loop, thread, pid, _OrderedSender())
        return _background[0], _background[3]


def _send(layer, wire) -> None:
    """Send ``wire`` before returning."""
    served = _served_loop()
    if served is not None:
        # A request's sync code hands the sends to the loop that serves it and waits:
        # sent before the response, in order. (asgiref's ``async_to_sync`` did the same
        # with machinery this coroutine does not need: it calls no sync code back.)
        asyncio.run_coroutine_threadsafe(_send_all(layer, wire), served).result()
        return
    if isinstance(layer, InMemoryChannelLayer):
        # The embedded layer's members live on the loops that added them (tests, the
        # development server): a loop of asgiref's for this send.
        async_to_sync(_send_all)(layer, wire)
        return
    loop, sender = _background_loop()
    done: Future = Future()
    loop.call_soon_threadsafe(sender.put, layer, wire, done)
    try:
        done.result(timeout=BACKGROUND_SEND_TIMEOUT)
    except TimeoutError:
        logger.error("live events not sent within %ss: left to finish", BACKGROUND_SEND_TIMEOUT)


def _served_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop this sync thread works for (asgiref's ``sync_to_async``
    thread of a Daphne process), None on its own (the worker, a script)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


def publish(messages: list[tuple[str, LiveEvent]]) -> None:
    """Send each (group, event) once the current transaction commits (at once outside one),
    in order, from one commit callback, before that callback returns: in a request through
    the loop that serves it, elsewhere (the worker, a script) through one loop of the
    process's own (:func:`_background_loop`), so that a Redis layer keeps its connection."""
    if not messages:
        return
    wire = [(group, event.to_message()) for group, event in messages]

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            _send(layer, wire)

    # robust: the change is committed whatever happens to the live events (a Redis outage
    # must not turn a saved bid into an error, nor skip the callbacks after this one).
    # Nothing is lost for good: lot watchers heal from the database and every feed can
    # be resumed (afterSeq, afterId).
    transaction.on_commit(send, robust=True)


def publish_to_user(*, user_id: int, event: LiveEvent) -> None:
    publish([(user_group(user_id), event)])
