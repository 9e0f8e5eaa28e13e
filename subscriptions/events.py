import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry import relay

from kernel.clock import now
from notifications.events import user_group
from reviews.services import review_kinds
from schema.context import Info
from schema.permissions import IsAuthenticated
from schema.reviews import ReviewStatusEnum

EVENT_TYPE = "platform.event"


@strawberry.type(description="A decision on one of your applications, live.")
class ReviewDecided:
    kind: str = strawberry.field(
        description="VERIFICATION, IDENTITY, SHOP, LISTING, OWNERSHIP_CHANGE or REGISTRATION."
    )
    subject_id: relay.GlobalID = strawberry.field(description="The application's id.")
    status: ReviewStatusEnum
    reason: str
    at: datetime


def _type_name(kind_key: str) -> str:
    """The GraphQL type of a review kind's subjects (each is named after its model)."""
    return next(k.model._meta.object_name for k in review_kinds() if k.key == kind_key)


@strawberry.type
class UserSubscription:
    @strawberry.subscription(
        description="The server's clock, every intervalSeconds (1-60): trust it, not the "
        "device's clock."
    )
    async def server_time(self, interval_seconds: int = 1) -> AsyncGenerator[datetime, None]:
        interval = min(max(interval_seconds, 1), 60)
        while True:
            yield now()
            await asyncio.sleep(interval)

    @strawberry.subscription(
        description="Decisions on your verification, identity and shop applications as "
        "staff make them.",
        permission_classes=[IsAuthenticated],
    )
    async def my_review_decisions(self, info: Info) -> AsyncGenerator[ReviewDecided, None]:
        consumer = info.context.request
        group = user_group(info.context.user.pk)
        async with consumer.listen_to_channel(EVENT_TYPE, groups=[group]) as messages:
            async for message in messages:
                event = message["event"]
                if event.get("type") != "review.decided":
                    continue
                yield ReviewDecided(
                    kind=event["kind"],
                    subject_id=relay.GlobalID(_type_name(event["kind"]), str(event["subject_id"])),
                    status=ReviewStatusEnum(event["status"]),
                    reason=event["reason"],
                    at=datetime.fromisoformat(event["at"]),
                )
