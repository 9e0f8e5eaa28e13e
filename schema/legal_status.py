from datetime import datetime

import strawberry
from strawberry import relay

from listings.models import LegalStatusCheck, LegalStatusCheckStage, LegalStatusOutcome

from .patents import LegalStatusEnum

LegalStatusCheckStageEnum = strawberry.enum(
    LegalStatusCheckStage,
    name="LegalStatusCheckStage",
    description="When a patent's legal status was looked up: at submission, as its lot's "
    "bidding opened, at the deal.",
)
LegalStatusOutcomeEnum = strawberry.enum(
    LegalStatusOutcome,
    name="LegalStatusOutcome",
    description="What a legal-status look-up concluded.",
)


@strawberry.type(
    name="LegalStatusCheck",
    description="One look-up of a patent's legal status through the patent information "
    "service (法律状态核查), and what it found.",
)
class LegalStatusCheckType:
    stage: LegalStatusCheckStageEnum = strawberry.field(description="When it was looked up.")
    patent_number: str = strawberry.field(description="The patent looked up.")
    status: LegalStatusEnum | None = strawberry.field(
        description="The status the service reported; null when it did not know the patent "
        "or did not answer."
    )
    previous_status: LegalStatusEnum | None = strawberry.field(
        description="The status shown before this look-up."
    )
    outcome: LegalStatusOutcomeEnum = strawberry.field(description="What it concluded.")
    needs_staff: bool = strawberry.field(
        description="A deal-stage check found the patent unsellable: staff must act."
    )
    lot_id: strawberry.ID | None = strawberry.field(
        description="The lot concerned (bidding open, deal), a Lot global id."
    )
    checked_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, check: LegalStatusCheck) -> "LegalStatusCheckType":
        return cls(
            stage=LegalStatusCheckStageEnum(check.stage),
            patent_number=check.patent_number,
            status=LegalStatusEnum(check.status) if check.status else None,
            previous_status=LegalStatusEnum(check.previous_status)
            if check.previous_status
            else None,
            outcome=LegalStatusOutcomeEnum(check.outcome),
            needs_staff=check.needs_staff,
            lot_id=strawberry.ID(str(relay.GlobalID("Lot", str(check.lot_id))))
            if check.lot_id
            else None,
            checked_at=check.checked_at,
        )
