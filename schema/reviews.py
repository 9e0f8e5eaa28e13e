from datetime import datetime

import strawberry
import strawberry_django
from strawberry import relay

from reviews.models import Reviewable, ReviewAction, ReviewRecord, ReviewStatus
from reviews.selectors import review_status

from .errors import Error

ReviewStatusEnum = strawberry.enum(
    ReviewStatus, name="ReviewStatus", description="Where an application stands in review."
)
ReviewActionEnum = strawberry.enum(ReviewAction, name="ReviewAction")


@strawberry_django.type(
    ReviewRecord, name="ReviewRecord", description="One submission or decision: who, when, why."
)
class ReviewRecordType:
    action: ReviewActionEnum
    at: datetime
    reason: str = strawberry_django.field(description="The reviewer's reason (rejections).")

    @strawberry_django.field(
        only=["actor__name", "actor__is_staff", "actor__phone"],
        description="Who acted: the reviewer's name, or the applicant.",
    )
    def actor_name(self) -> str:
        return self.actor.display_name


@strawberry_django.interface(
    Reviewable,
    name="Reviewable",
    description="An application that staff review (verification, identity, shop).",
)
class ReviewableInterface:
    submitted_at: datetime | None = strawberry_django.field(
        description="When it was last submitted (null for a draft never submitted)."
    )
    decided_at: datetime | None
    decision_reason: str = strawberry_django.field(
        description="The latest decision's reason; shown to the applicant."
    )

    @strawberry_django.field(
        only=["status", "decided_at"],
        description="Where it stands in review after its latest submission; null if never "
        "submitted. Each type also has its own, finer `status`.",
    )
    def review_status(self) -> ReviewStatusEnum | None:
        status = review_status(self)
        return ReviewStatusEnum(status) if status else None

    review_history: list[ReviewRecordType] = strawberry_django.field(
        field_name="review_records", description="Every submission and decision, oldest first."
    )


@strawberry.input
class ReviewApproveInput:
    id: relay.GlobalID = strawberry.field(
        description="A Verification, Identity or Shop id awaiting review."
    )


@strawberry.input
class ReviewRejectInput:
    id: relay.GlobalID
    reason: str = strawberry.field(description="Sent to the applicant by SMS and shown to them.")


@strawberry.type
class ReviewPayload:
    subject: ReviewableInterface | None
    errors: list[Error]
