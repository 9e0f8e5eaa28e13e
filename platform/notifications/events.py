"""Live events for WebSocket subscribers, published to the channel layer after commit.

Group names follow ``^[A-Za-z0-9._-]{1,99}$``. Events carry everything a watcher needs, so
no subscriber queries the database per event.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish(group: str, event: dict) -> None:
    """Send ``event`` to ``group`` once the current transaction commits (at once outside one)."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": "platform.event", "event": event})

    # robust: the change is committed whatever happens to the live event (a Redis outage
    # must not turn a saved bid into an error, nor skip the callbacks after this one);
    # watchers that miss it see a sequence gap and re-read.
    transaction.on_commit(send, robust=True)


def publish_to_user(*, user_id: int, event: dict) -> None:
    publish(user_group(user_id), event)
