"""A lot feed's own inbox on its socket: the consumer hands lot events straight to the feeds
of the socket (``PlatformGraphQLWSConsumer.lot_inboxes``), decoded once per process.

Through Strawberry's ``listen_to_channel`` each message went into an ``asyncio.Queue`` per
listener, out through an async generator, and the feed waited for it with a new task and
``asyncio.wait`` per message so that it could also wake for its timers: a third of a
delivered message's CPU beside the socket write. Here a message is appended to a deque and
wakes the feed's one waiting future; messages that arrive together are handled together.
(``listen_to_channel`` still joins and leaves the group, counting the socket's other
subscriptions of it.)
"""

import asyncio
from collections import OrderedDict, deque

from auctions.events import LotEvent
from live.events import LiveEvent

# Every kind of lot event, so that a new one reaches the feeds too.
LOT_EVENT_TYPES = frozenset(kind.TYPE for kind in LotEvent.__subclasses__())


class Inbox:
    def __init__(self) -> None:
        self.messages: deque = deque()
        self._waiter: asyncio.Future | None = None

    def put(self, message: dict) -> None:
        self.messages.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Until a message is in, or ``timeout`` seconds have passed."""
        if self.messages:
            return
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, _wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _Decoded:
    """Each socket's copy of a message decodes to an equal event: decode it once."""

    SIZE = 1024

    def __init__(self) -> None:
        self._events: OrderedDict = OrderedDict()

    def event(self, message: dict) -> LiveEvent | None:
        body = message.get("event")
        try:
            key = tuple(body.items())
            found = self._events.get(key)
        except (AttributeError, TypeError):  # not a dict, or a value that is a list
            return LiveEvent.from_message(message)
        if found is None:
            found = LiveEvent.from_message(message)
            if found is None:
                return None
            self._events[key] = found
            if len(self._events) > self.SIZE:
                self._events.popitem(last=False)
        return found


decoded = _Decoded()
