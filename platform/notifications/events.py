"""Live events for WebSocket subscribers, published to the channel layer after commit.

Group names follow ``^[A-Za-z0-9._-]{1,99}$``. Events carry everything a watcher needs, so
no subscriber queries the database per event.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish_all(messages: list[tuple[str, dict]]) -> None:
    """Send each (group, event) once the current transaction commits, in order, from one
    commit callback (a bid's events to its lot and its session go out in one hop)."""
    if not messages:
        return

    async def send_all(layer) -> None:
        for group, event in messages:
            try:
                await layer.group_send(group, {"type": "platform.event", "event": event})
            except Exception:  # one unreachable group must not silence the others
                logger.exception("live event to %s not sent", group)

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(send_all)(layer)

    # robust: the change is committed whatever happens to the live events (a Redis outage
    # must not turn a saved bid into an error, nor skip the callbacks after this one);
    # watchers that miss one see a sequence gap and re-read.
    transaction.on_commit(send, robust=True)


def publish(group: str, event: dict) -> None:
    """Send ``event`` to ``group`` once the current transaction commits (at once outside one)."""
    publish_all([(group, event)])


def publish_to_user(*, user_id: int, event: dict) -> None:
    publish(user_group(user_id), event)
