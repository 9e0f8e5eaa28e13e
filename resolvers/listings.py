from collections.abc import Iterable
from typing import Annotated

import strawberry
import strawberry_django
from strawberry_django.relay import DjangoCursorConnection

from agreements.models import AgreementKind
from agreements.selectors import agreement_current
from kernel.errors import DomainError
from kernel.permissions import Perm
from listings.models import Listing, OwnershipChange
from listings.selectors import listings_matching, listings_of_seller, listings_on_sale
from listings.services import (
    AchievementDetails,
    LicenceTerms,
    ListingForm,
    PatentDetails,
    listing_create,
    listing_delist,
    listing_submit,
    listing_update,
    ownership_change_apply,
)
from reviews.selectors import review_queue
from schema.context import Info
from schema.listings import (
    ListingCreateInput,
    ListingFilter,
    ListingFormInput,
    ListingIdInput,
    ListingNode,
    ListingPayload,
    ListingStatusEnum,
    ListingTypeEnum,
    ListingUpdateInput,
    OwnershipChangeApplyInput,
    OwnershipChangePayload,
    OwnershipChangeType,
)
from schema.permissions import IsAuthenticated, staff_with
from schema.reviews import ReviewStatusEnum, ReviewStatusFilter
from schema.shops import AgreementType
from shops.models import Shop

from .ids import decode_id
from .payloads import payload


def _value(enum_member):
    return enum_member.value if enum_member is not None else None


def form_from_input(form: ListingFormInput) -> ListingForm:
    patent = achievement = None
    if form.patent is not None:
        patent = PatentDetails(
            number=form.patent.number,
            patent_type=_value(form.patent.patent_type),
            application_date=form.patent.application_date,
            grant_date=form.patent.grant_date,
            inventors=form.patent.inventors,
            ipc_classes=form.patent.ipc_classes,
            legal_status=_value(form.patent.legal_status),
        )
    if form.achievement is not None:
        achievement = AchievementDetails(
            maturity=_value(form.achievement.maturity), team=form.achievement.team
        )
    licence = None
    if form.licence is not None:
        licence = LicenceTerms(
            kind=_value(form.licence.kind),
            term_years=form.licence.term_years,
            starts_on=form.licence.starts_on,
            ends_on=form.licence.ends_on,
            territory=form.licence.territory,
        )
    return ListingForm(
        title=form.title,
        field=_value(form.field),
        description=form.description,
        rights_holders=form.rights_holders,
        transaction_type=_value(form.transaction_type),
        start_price=form.start_price,
        season_opt_in=form.season_opt_in,
        patent=patent,
        achievement=achievement,
        licence=licence,
    )


def _listing_payload(call) -> ListingPayload:
    return payload(ListingPayload, "listing", call)


@strawberry.type
class ListingQuery:
    listing: ListingNode | None = strawberry_django.node(
        description="One listing by id, if you may see it (null otherwise)."
    )

    @strawberry.field(description="The current 《商品发布协议》; accept it by sending its version.")
    def listing_agreement(self) -> AgreementType | None:
        return agreement_current(AgreementKind.LISTING_AGREEMENT)

    @strawberry_django.connection(
        DjangoCursorConnection[ListingNode],
        description="The trading hall: listings on sale, newest first (keyset cursors: "
        "listings put on sale meanwhile never shift the next page).",
    )
    def listings(
        self,
        filter: Annotated[
            ListingFilter | None,
            strawberry.argument(
                description="Type, field, shop and search; none: everything on sale."
            ),
        ] = None,
    ) -> Iterable[Listing]:
        filter = filter or ListingFilter()
        try:
            shop = decode_id(filter.shop_id, Shop, field="shopId") if filter.shop_id else None
        except DomainError:
            return Listing.objects.none()
        return listings_on_sale(
            type=_value(filter.type),
            field=_value(filter.field),
            search=filter.search,
            shop_id=shop,
        )

    @strawberry_django.connection(
        DjangoCursorConnection[ListingNode],
        permission_classes=[IsAuthenticated],
        description="Seller centre (卖家中心 > 全部商品): your listings, last changed first, "
        "with rejection reasons in decisionReason (keyset cursors: a listing changed "
        "meanwhile moves to the top without shifting the next page).",
    )
    def my_listings(
        self,
        info: Info,
        status: Annotated[
            ListingStatusEnum | None, strawberry.argument(description="Only this status.")
        ] = None,
        type: Annotated[
            ListingTypeEnum | None, strawberry.argument(description="Only this type.")
        ] = None,
    ) -> Iterable[Listing]:
        return listings_of_seller(user=info.context.user, status=_value(status), type=_value(type))

    @strawberry_django.connection(
        DjangoCursorConnection[ListingNode],
        permission_classes=staff_with(Perm.REVIEW_LISTING),
        description="Staff: listings awaiting review, oldest submission first.",
    )
    def listing_queue(
        self,
        info: Info,
        type: Annotated[
            ListingTypeEnum | None, strawberry.argument(description="Only this type.")
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Part of the title or of the patent number, or a whole number "
                "in any written form (as the hall's search)."
            ),
        ] = None,
    ) -> Iterable[Listing]:
        queryset = review_queue(Listing, user=info.context.user)
        if type:
            queryset = queryset.filter(type=type.value)
        return listings_matching(queryset, search)

    @strawberry_django.connection(
        DjangoCursorConnection[OwnershipChangeType],
        permission_classes=staff_with(Perm.REVIEW_OWNERSHIP_CHANGE),
        description="Staff: ownership change applications, oldest first.",
    )
    def ownership_change_queue(
        self,
        info: Info,
        status: ReviewStatusFilter = ReviewStatusEnum.PENDING,
    ) -> Iterable[OwnershipChange]:
        return review_queue(
            OwnershipChange, user=info.context.user, status=status.value if status else None
        )


@strawberry.type
class ListingMutation:
    @strawberry.mutation(
        description="Save a new listing draft in your open shop.",
        permission_classes=[IsAuthenticated],
    )
    def listing_create(self, info: Info, input: ListingCreateInput) -> ListingPayload:
        return _listing_payload(
            lambda: listing_create(
                user=info.context.user,
                shop_id=decode_id(input.shop_id, Shop, field="shopId"),
                type=input.type.value,
                agreement_version=input.agreement_version,
                form=form_from_input(input.form),
            )
        )

    @strawberry.mutation(
        description="Save the form of a draft, rejected or delisted listing.",
        permission_classes=[IsAuthenticated],
    )
    def listing_update(self, info: Info, input: ListingUpdateInput) -> ListingPayload:
        return _listing_payload(
            lambda: listing_update(
                user=info.context.user,
                listing_id=decode_id(input.id, Listing, field="id"),
                form=form_from_input(input.form),
                agreement_version=input.agreement_version,
            )
        )

    @strawberry.mutation(
        description="Submit a complete listing for review (上架申请); also resubmits a "
        "rejected or delisted one.",
        permission_classes=[IsAuthenticated],
    )
    def listing_submit(self, info: Info, input: ListingIdInput) -> ListingPayload:
        return _listing_payload(
            lambda: listing_submit(
                user=info.context.user, listing_id=decode_id(input.id, Listing, field="id")
            )
        )

    @strawberry.mutation(
        description="Take a listed listing off sale (下架), until an auction takes it.",
        permission_classes=[IsAuthenticated],
    )
    def listing_delist(self, info: Info, input: ListingIdInput) -> ListingPayload:
        return _listing_payload(
            lambda: listing_delist(
                user=info.context.user, listing_id=decode_id(input.id, Listing, field="id")
            )
        )

    @strawberry.mutation(
        description="Apply to change a listing's ownership status (自有/代理); staff review it.",
        permission_classes=[IsAuthenticated],
    )
    def ownership_change_apply(
        self, info: Info, input: OwnershipChangeApplyInput
    ) -> OwnershipChangePayload:
        return payload(
            OwnershipChangePayload,
            "ownership_change",
            lambda: ownership_change_apply(
                user=info.context.user,
                listing_id=decode_id(input.listing_id, Listing, field="listingId"),
                requested=input.requested.value,
                reason=input.reason,
            ),
        )
