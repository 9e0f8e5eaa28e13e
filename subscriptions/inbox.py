"""A task's inbox: items are appended to a deque and wake the task's one waiting future, with
a timer for its next due time; items that arrive together are handled together.

Used by a lot hub for its group's events and by each watcher for what its hub hands it
(``subscriptions/lot_hub.py``). Through Strawberry's ``listen_to_channel`` each message
went into an ``asyncio.Queue`` per listener, out through an async generator, and was waited
for with a new task and ``asyncio.wait`` per message so that a timer could wake it too.
"""

import asyncio
from collections import deque


class Inbox:
    def __init__(self) -> None:
        self.messages: deque = deque()
        self._waiter: asyncio.Future | None = None

    def put(self, message) -> None:
        self.messages.append(message)
        self.wake()

    def wake(self) -> None:
        """Wake the waiting task (it looks at what changed)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Until a message is in or the task is woken, or ``timeout`` seconds have passed."""
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
