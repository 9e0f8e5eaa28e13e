from typing import Annotated

import strawberry

from auctions.models import LotPull
from auctions.selectors import legal_status_flags, lot_pulls_queue
from auctions.services.legal_status import lot_pull_decide
from kernel.permissions import Perm
from schema.auctions import LotPullDecideInput, LotPullPayload, LotPullStatusEnum, LotPullType
from schema.context import Info
from schema.legal_status import LegalStatusCheckType
from schema.permissions import staff_with

from .ids import decode_id
from .payloads import payload

PAGE = 100


@strawberry.type
class LegalStatusQuery:
    @strawberry.field(
        description="Staff (auctions): lots proposed for pulling by a legal-status check, "
        "oldest first (at most 100).",
        permission_classes=staff_with(Perm.MANAGE_AUCTIONS),
    )
    def lot_pull_queue(
        self,
        info: Info,
        status: Annotated[
            LotPullStatusEnum | None,
            strawberry.argument(description="Only pulls in this state; null for all."),
        ] = LotPullStatusEnum.PENDING,
    ) -> list[LotPullType]:
        pulls = lot_pulls_queue(user=info.context.user, status=status.value if status else None)
        pulls = pulls.select_related("lot__session__season")  # what a Lot shows of its session
        return [LotPullType.of(pull) for pull in pulls[:PAGE]]

    @strawberry.field(
        description="Staff (deals, auctions): deal-stage legal-status checks that found the "
        "patent unsellable, newest first (at most 100).",
        permission_classes=staff_with(Perm.MANAGE_DEALS, Perm.MANAGE_AUCTIONS),
    )
    def legal_status_flags(self, info: Info) -> list[LegalStatusCheckType]:
        return [
            LegalStatusCheckType.of(c) for c in legal_status_flags(user=info.context.user)[:PAGE]
        ]


@strawberry.type
class LegalStatusMutation:
    @strawberry.mutation(
        description="Staff (auctions): approve or reject a proposed pull of a lot.",
        permission_classes=staff_with(Perm.MANAGE_AUCTIONS),
    )
    def lot_pull_decide(self, info: Info, input: LotPullDecideInput) -> LotPullPayload:
        def decide() -> LotPullType:
            pull = lot_pull_decide(
                actor=info.context.user,
                pull_id=decode_id(input.id, LotPull, field="id"),
                approve=input.approve,
                note=input.note or "",
            )
            return LotPullType.of(pull)

        return payload(LotPullPayload, "pull", decide)
