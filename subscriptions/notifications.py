"""Your new notifications, live, as they are sent; resumable with afterId."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from channels.db import database_sync_to_async
from strawberry import relay

from kernel.errors import DomainError
from live.events import MESSAGE_TYPE, LiveEvent, user_group
from notifications.models import Notification
from notifications.selectors import notifications_after
from notifications.services import NotificationCreated
from resolvers.ids import decode_id
from schema.context import Info
from schema.errors import client_error
from schema.notifications import NotificationType
from schema.permissions import IsAuthenticated

_after = database_sync_to_async(notifications_after)


@strawberry.type
class NotificationSubscription:
    @strawberry.subscription(
        description="Each new notification of yours as it is sent (unread). With afterId "
        "(the last one you have), those sent since come first, oldest first, then the new "
        "ones, each once.",
        permission_classes=[IsAuthenticated],
    )
    async def my_notifications(
        self,
        info: Info,
        after_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="The last Notification you have: those since first."),
        ] = None,
    ) -> AsyncGenerator[NotificationType, None]:
        try:
            after = decode_id(after_id, Notification, field="afterId") if after_id else None
        except DomainError as exc:
            raise client_error(exc) from None
        user = info.context.user
        consumer = info.context.request
        seen: set[int] = set()
        # Join first, then read what was sent since afterId: nothing falls in between.
        async with consumer.listen_to_channel(MESSAGE_TYPE, groups=[user_group(user.pk)]) as (
            messages
        ):
            while after is not None:
                page = await _after(user, after_id=after)
                for notification in page:
                    seen.add(notification.pk)
                    yield notification
                after = page[-1].pk if page else None
            async for message in messages:
                event = LiveEvent.from_message(message)
                if isinstance(event, NotificationCreated) and event.id not in seen:
                    seen.add(event.id)
                    yield NotificationType.from_event(event)
