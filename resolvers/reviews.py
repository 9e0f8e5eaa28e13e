from collections.abc import Iterable
from typing import Annotated

import strawberry
import strawberry_django
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from strawberry import relay

from accounts.models import Identity, Verification
from kernel.errors import CommonErrorCode, DomainError
from kernel.permissions import Perm
from reviews.selectors import review_queue
from reviews.services import review_decide, review_kinds
from schema.accounts import IdentityKindEnum, IdentityType, VerificationKindEnum, VerificationType
from schema.connections import Connection
from schema.context import Info
from schema.errors import errors_from
from schema.permissions import REVIEWER, forbidden, staff_with
from schema.reviews import (
    ReviewApproveInput,
    ReviewPayload,
    ReviewRejectInput,
    ReviewStatusEnum,
    ReviewStatusFilter,
)
from schema.shops import ShopType
from shops.models import Shop


def _decide(info: Info, global_id: relay.GlobalID, *, approve: bool, reason: str = ""):
    by_name = {kind.model._meta.object_name: kind.model for kind in review_kinds()}
    try:
        model = by_name.get(global_id.type_name)
        if model is None:
            raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
        try:
            pk = int(global_id.node_id)
        except ValueError as exc:
            raise DomainError(CommonErrorCode.NOT_FOUND, field="id") from exc
        subject = review_decide(
            model=model, pk=pk, actor=info.context.user, approve=approve, reason=reason
        )
    except PermissionDenied as exc:
        raise forbidden() from exc
    except DomainError as exc:
        return ReviewPayload(subject=None, errors=errors_from(exc))
    return ReviewPayload(subject=subject, errors=[])


def _search(queryset, search: str | None, *fields: str):
    if not search:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": search.strip()})
    return queryset.filter(condition)


@strawberry.type
class ReviewQuery:
    @strawberry_django.connection(
        Connection[VerificationType],
        permission_classes=staff_with(Perm.REVIEW_VERIFICATION),
        description="Staff: real-name verifications to review, oldest submission first.",
    )
    def verification_queue(
        self,
        info: Info,
        status: ReviewStatusFilter = ReviewStatusEnum.PENDING,
        kind: Annotated[
            VerificationKindEnum | None,
            strawberry.argument(description="Only personal or only institution."),
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Part of the name, phone or credit code.")
        ] = strawberry.UNSET,
    ) -> Iterable[Verification]:
        queryset = review_queue(
            Verification, user=info.context.user, status=status.value if status else None
        )
        if kind:
            queryset = queryset.filter(kind=kind.value)
        return _search(queryset, search or None, "name", "user__phone", "credit_code")

    @strawberry_django.connection(
        Connection[IdentityType],
        permission_classes=staff_with(Perm.REVIEW_IDENTITY),
        description="Staff: identity applications to review, oldest submission first.",
    )
    def identity_queue(
        self,
        info: Info,
        status: ReviewStatusFilter = ReviewStatusEnum.PENDING,
        kind: Annotated[
            IdentityKindEnum | None, strawberry.argument(description="Only this identity kind.")
        ] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Part of the applicant's name or phone.")
        ] = strawberry.UNSET,
    ) -> Iterable[Identity]:
        queryset = review_queue(
            Identity, user=info.context.user, status=status.value if status else None
        )
        if kind:
            queryset = queryset.filter(kind=kind.value)
        return _search(queryset, search or None, "user__verification__name", "user__phone")

    @strawberry_django.connection(
        Connection[ShopType],
        permission_classes=staff_with(Perm.REVIEW_SHOP),
        description="Staff: shop applications to review, oldest submission first.",
    )
    def shop_queue(
        self,
        info: Info,
        status: ReviewStatusFilter = ReviewStatusEnum.PENDING,
        search: Annotated[
            str | None,
            strawberry.argument(description="Part of the shop name or the owner's phone."),
        ] = strawberry.UNSET,
    ) -> Iterable[Shop]:
        queryset = review_queue(
            Shop, user=info.context.user, status=status.value if status else None
        )
        return _search(queryset, search or None, "name", "identity__user__phone")


@strawberry.type
class ReviewMutation:
    @strawberry.mutation(
        description="Staff: approve a pending verification, identity or shop application.",
        permission_classes=REVIEWER,
    )
    def review_approve(self, info: Info, input: ReviewApproveInput) -> ReviewPayload:
        return _decide(info, input.id, approve=True)

    @strawberry.mutation(
        description="Staff: reject a pending application with a reason (sent by SMS).",
        permission_classes=REVIEWER,
    )
    def review_reject(self, info: Info, input: ReviewRejectInput) -> ReviewPayload:
        return _decide(info, input.id, approve=False, reason=input.reason)
