import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from kernel.clock import now
from live.events import MESSAGE_TYPE, LiveEvent, user_group
from reviews.services import ReviewDecided as ReviewDecidedEvent
from schema.context import Info
from schema.permissions import IsAuthenticated
from schema.reviews import ReviewKindEnum, ReviewStatusEnum


@strawberry.type(description="A decision on one of your applications, live.")
class ReviewDecided:
    reason: str | None = strawberry.field(description="Why it was rejected; null if approved.")
    at: datetime = strawberry.field(description="When it was decided.")

    @strawberry.field(description="The application's id.")
    def subject_id(self) -> relay.GlobalID:
        return relay.GlobalID(self.subject_type, str(self.subject_id))

    @strawberry.field(
        description="What was decided: VERIFICATION, IDENTITY, SHOP, LISTING, OWNERSHIP_CHANGE "
        "or REGISTRATION (labels: `enumLabels` of ReviewKind)."
    )
    def kind(self) -> ReviewKindEnum:
        return ReviewKindEnum(self.kind)

    @strawberry.field(description="APPROVED or REJECTED.")
    def status(self) -> ReviewStatusEnum:
        return ReviewStatusEnum(self.status)

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, ReviewDecidedEvent)


@strawberry.type
class UserSubscription:
    @strawberry.subscription(
        description="The server's clock, every intervalSeconds (1-60): trust it, not the "
        "device's clock."
    )
    async def server_time(
        self,
        interval_seconds: Annotated[
            int, strawberry.argument(description="Seconds between two times (1-60).")
        ] = 1,
    ) -> AsyncGenerator[datetime, None]:
        interval = min(max(interval_seconds, 1), 60)
        while True:
            yield now()
            await asyncio.sleep(interval)

    @strawberry.subscription(
        description="Decisions on your applications as staff make them (the same decisions "
        "are in myNotifications, which can be resumed).",
        permission_classes=[IsAuthenticated],
    )
    async def my_review_decisions(self, info: Info) -> AsyncGenerator[ReviewDecided, None]:
        consumer = info.context.request
        group = user_group(info.context.user.pk)
        async with consumer.listen_to_channel(MESSAGE_TYPE, groups=[group]) as messages:
            async for message in messages:
                event = LiveEvent.from_message(message)
                if isinstance(event, ReviewDecidedEvent):
                    yield event
