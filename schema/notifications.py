from datetime import datetime

import strawberry
import strawberry_django
from strawberry import relay

from notifications.models import Notification
from notifications.selectors import notifications_of

from .errors import Error
from .visibility import visible_rows


@strawberry_django.type(
    Notification,
    name="Notification",
    description="A message in your inbox (站内消息): review results, registration results, "
    "auction results, deal reminders and overdue marks. The same text went to you by SMS.",
)
class NotificationType(relay.Node):
    kind: str = strawberry_django.field(
        description="A stable code to branch on: review.decided (any application: "
        "verification, identity, shop, listing, ownership change, registration), lot.won, "
        "lot.sold, lot.unsold; more may be added, so show title and body for unknown ones."
    )
    title: str = strawberry_django.field(description="A short headline, e.g. 竞价成功.")
    body: str = strawberry_django.field(description="The full text, as sent by SMS.")
    created_at: datetime = strawberry_django.field(description="When it was sent.")
    read_at: datetime | None = strawberry_django.field(
        description="When you marked it read; null while unread."
    )

    @strawberry_django.field(only=["read_at"], description="Whether you have marked it read.")
    def read(self) -> bool:
        return self.read_at is not None

    @strawberry_django.field(
        only=["subject_type", "subject_id"],
        description="The global id of what it is about (a Lot, Registration, Listing, Shop, "
        "...), to open with node(id:); null if about nothing in particular.",
    )
    def subject_id(self) -> relay.GlobalID | None:
        if not self.subject_type:
            return None
        return relay.GlobalID(self.subject_type, self.subject_id)

    get_queryset = visible_rows(notifications_of)

    @classmethod
    def from_event(cls, event) -> Notification:
        """An unsaved copy of a new notification from its live event (NotificationCreated),
        for a subscription to yield without reading the database."""
        return Notification(
            pk=event.id,
            kind=event.kind,
            title=event.title,
            body=event.body,
            created_at=event.created_at,
            read_at=None,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
        )


@strawberry.input(description="Mark notifications of yours read.")
class NotificationsMarkReadInput:
    ids: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description="The Notification ids to mark read; omit to mark all of yours read. "
        "Ids that are not yours are ignored.",
    )


@strawberry.type
class NotificationsMarkReadPayload:
    count: int = strawberry.field(description="How many were unread and are now read.")
    errors: list[Error]
