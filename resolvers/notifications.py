from collections.abc import Iterable
from typing import Annotated

import strawberry
import strawberry_django

from kernel.errors import DomainError
from notifications.models import Notification
from notifications.selectors import notifications_of
from notifications.services import notifications_mark_read
from schema.connections import Connection
from schema.context import Info
from schema.errors import errors_from
from schema.notifications import (
    NotificationsMarkReadInput,
    NotificationsMarkReadPayload,
    NotificationType,
)
from schema.permissions import IsAuthenticated

from .ids import decode_id


@strawberry.type
class NotificationQuery:
    @strawberry_django.connection(
        Connection[NotificationType],
        permission_classes=[IsAuthenticated],
        description="Your inbox (消息中心), newest first.",
    )
    def notifications(
        self,
        info: Info,
        unread_only: Annotated[
            bool, strawberry.argument(description="Only those not yet marked read.")
        ] = False,
    ) -> Iterable[Notification]:
        return notifications_of(info.context.user, unread_only=unread_only)

    @strawberry.field(
        description="How many of your notifications are unread (the badge).",
        permission_classes=[IsAuthenticated],
    )
    def unread_notification_count(self, info: Info) -> int:
        return notifications_of(info.context.user, unread_only=True).count()


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(
        description="Mark some or all of your notifications read.",
        permission_classes=[IsAuthenticated],
    )
    def notifications_mark_read(
        self, info: Info, input: NotificationsMarkReadInput
    ) -> NotificationsMarkReadPayload:
        try:
            ids = (
                None
                if input.ids is None
                else [decode_id(id, Notification, field="ids") for id in input.ids]
            )
        except DomainError as exc:
            return NotificationsMarkReadPayload(count=0, errors=errors_from(exc))
        count = notifications_mark_read(user=info.context.user, ids=ids)
        return NotificationsMarkReadPayload(count=count, errors=[])
