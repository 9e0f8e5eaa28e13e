"""Your new notifications, live, as they are sent."""

from collections.abc import AsyncGenerator

import strawberry

from notifications.events import user_group
from notifications.services import NOTIFICATION_EVENT
from schema.context import Info
from schema.notifications import NotificationType
from schema.permissions import IsAuthenticated

from .events import EVENT_TYPE


@strawberry.type
class NotificationSubscription:
    @strawberry.subscription(
        description="Each new notification of yours as it is sent (unread). Events missed "
        "while disconnected are in the notifications query.",
        permission_classes=[IsAuthenticated],
    )
    async def my_notifications(self, info: Info) -> AsyncGenerator[NotificationType, None]:
        consumer = info.context.request
        group = user_group(info.context.user.pk)
        async with consumer.listen_to_channel(EVENT_TYPE, groups=[group]) as messages:
            async for message in messages:
                event = message["event"]
                if event.get("type") != NOTIFICATION_EVENT:
                    continue
                yield NotificationType.from_event(event)
