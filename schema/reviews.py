from datetime import datetime
from typing import Annotated

import strawberry
import strawberry_django
from django.db.models import F, TextChoices
from strawberry import relay

from reviews.models import Reviewable, ReviewAction, ReviewRecord, ReviewStatus
from reviews.selectors import review_status, review_visible_to
from reviews.services import review_kinds

from .context import Info
from .errors import Error
from .fields import blank_as_null

ReviewStatusEnum = strawberry.enum(
    ReviewStatus, name="ReviewStatus", description="Where an application stands in review."
)
# The status argument of every staff review queue.
ReviewStatusFilter = Annotated[
    ReviewStatusEnum | None,
    strawberry.argument(description="Only this review status; default PENDING, null for all."),
]
# The kinds as their apps register them (reviews.services.ReviewKind: key and label), so a
# new reviewable kind is in the enum, with its label, without being written here.
ReviewKindEnum = strawberry.enum(
    TextChoices("ReviewKind", [(kind.key, (kind.key, kind.label)) for kind in review_kinds()]),
    name="ReviewKind",
    description="What kind of application a review decides (each has its own `status`).",
)
ReviewActionEnum = strawberry.enum(
    ReviewAction, name="ReviewAction", description="What one review record did."
)


@strawberry_django.type(
    ReviewRecord, name="ReviewRecord", description="One submission or decision: who, when, why."
)
class ReviewRecordType:
    action: ReviewActionEnum = strawberry_django.field(description="Submitted, approved …")
    at: datetime = strawberry_django.field(description="When.")
    reason: str | None = blank_as_null(
        "reason", description="The reviewer's reason (rejections); null otherwise."
    )

    @strawberry_django.field(
        only=["actor__name", "actor__is_staff", "actor__phone"],
        description="Who acted: the reviewer's name, or the applicant.",
    )
    def actor_name(self) -> str:
        return self.actor.display_name


def _applicant_id(info: Info):
    """Who applied, joined into a list's query: visibility is judged per row without
    walking (and loading) the subject's relations."""
    type_name = info._raw_info.parent_type.name  # the concrete type this field is read on
    kind = next(k for k in review_kinds() if k.model._meta.object_name == type_name)
    return F(f"{kind.applicant_path}__pk")


@strawberry_django.interface(
    Reviewable,
    name="Reviewable",
    description="Something staff review (verification, identity, shop, listing, ownership "
    "change, registration). Reasons and history are shown to the applicant and staff only. "
    "Read `id` and `reviewStatus` through it: each type's own `status` is its own enum (a "
    "Listing's is ListingStatus, the others' ReviewStatus), so `... on Listing { status } "
    "... on Shop { status }` cannot share one selection; select `reviewStatus`, or alias "
    "one (`... on Listing { listingStatus: status }`).",
)
class ReviewableInterface(relay.Node):
    submitted_at: datetime | None = strawberry_django.field(
        description="When it was last submitted (null for a draft never submitted)."
    )
    decided_at: datetime | None = strawberry_django.field(
        description="When staff last approved or rejected it (null while pending)."
    )

    @strawberry_django.field(
        only=["decision_reason"],
        annotate={"applicant_id_": _applicant_id},
        description="The latest rejection's reason (applicant and staff only); null otherwise.",
    )
    def decision_reason(self, info: Info) -> str | None:
        if not self.decision_reason or not review_visible_to(info.context.user, self):
            return None
        return self.decision_reason

    @strawberry_django.field(
        only=["status", "decided_at"],
        description="Where it stands in review after its latest submission; null if never "
        "submitted. Each type also has its own, finer `status`.",
    )
    def review_status(self) -> ReviewStatusEnum | None:
        status = review_status(self)
        return ReviewStatusEnum(status) if status else None

    @strawberry_django.field(
        prefetch_related=["review_records__actor"],
        annotate={"applicant_id_": _applicant_id},
        description="Every submission and decision, oldest first (applicant and staff; "
        "empty for others).",
    )
    def review_history(self, info: Info) -> list[ReviewRecordType]:
        if not review_visible_to(info.context.user, self):
            return []
        return list(self.review_records.all())


@strawberry.input
class ReviewApproveInput:
    id: relay.GlobalID = strawberry.field(
        description="The id of anything awaiting review (Verification, Identity, Shop, "
        "Listing, OwnershipChange, Registration)."
    )


@strawberry.input
class ReviewRejectInput:
    id: relay.GlobalID = strawberry.field(
        description="The id of anything awaiting review (as for reviewApprove)."
    )
    reason: str = strawberry.field(description="Sent to the applicant by SMS and shown to them.")


@strawberry.type
class ReviewPayload:
    subject: ReviewableInterface | None = strawberry.field(
        description="What was reviewed, with its new status."
    )
    errors: list[Error]
