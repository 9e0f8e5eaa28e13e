from datetime import date, datetime
from decimal import Decimal

import strawberry
import strawberry_django
from django.db.models import F
from strawberry import relay

from listings.models import (
    Listing,
    ListingStatus,
    ListingType,
    Maturity,
    Ownership,
    OwnershipChange,
    PaymentMethod,
    TechField,
    TransactionType,
)
from listings.selectors import listings_visible_to, ownership_changes_visible_to
from listings.services import season_eligible, season_eligible_for

from .context import Info
from .errors import Error
from .fields import blank_as_null
from .patents import LegalStatusEnum, PatentTypeEnum
from .reviews import ReviewableInterface, ReviewStatusEnum
from .shops import AgreementType, ShopType

ListingTypeEnum = strawberry.enum(ListingType, name="ListingType", description="专利 or 技术成果.")
ListingStatusEnum = strawberry.enum(
    ListingStatus,
    name="ListingStatus",
    description="DRAFT -> PENDING_REVIEW -> LISTED | REJECTED; REJECTED and DELISTED are "
    "edited and resubmitted; LISTED -> DELISTED until an auction takes it (IN_AUCTION).",
)
OwnershipEnum = strawberry.enum(
    Ownership, name="Ownership", description="自有 (a rights holder is the shop's entity) or 代理."
)
TransactionTypeEnum = strawberry.enum(TransactionType, name="TransactionType")
MaturityEnum = strawberry.enum(Maturity, name="Maturity", description="技术成熟度.")
TechFieldEnum = strawberry.enum(TechField, name="TechField", description="技术领域 (category).")
PaymentMethodEnum = strawberry.enum(PaymentMethod, name="PaymentMethod")


@strawberry.type(description="Patent details of a patent listing.")
class PatentDetailsType:
    number: str = strawberry.field(description="Canonical form, e.g. ZL202110123456.7.")
    patent_type: PatentTypeEnum | None
    application_date: date | None
    grant_date: date | None
    inventors: list[str]
    ipc_classes: list[str]
    legal_status: LegalStatusEnum | None


@strawberry.type(description="Details of a technology-achievement listing.")
class AchievementDetailsType:
    maturity: MaturityEnum | None
    team: str


def _enum_or_none(enum, value):
    return enum(value) if value else None


@strawberry_django.type(
    Listing,
    name="Listing",
    description="A patent or technology achievement offered by a shop (标的物).",
)
class ListingNode(relay.Node, ReviewableInterface):
    status: ListingStatusEnum
    type: ListingTypeEnum
    title: str | None = blank_as_null("title", description="Null in an unfinished draft.")
    field: TechFieldEnum | None = blank_as_null(
        "field",
        TechFieldEnum,
        description="Technical field (category); null in an unfinished draft.",
    )
    description: str | None = blank_as_null(
        "description", description="Abstract or description; null in an unfinished draft."
    )
    rights_holders: list[str] = strawberry_django.field(description="权利人.")
    transaction_type: TransactionTypeEnum | None = blank_as_null(
        "transaction_type", TransactionTypeEnum, description="Null in an unfinished draft."
    )
    payment_method: PaymentMethodEnum
    start_price: Decimal | None = strawberry_django.field(description="起拍价, CNY.")
    season_opt_in: bool = strawberry_django.field(description="Joins the auction season.")
    ownership: OwnershipEnum
    ownership_reviewed: bool = strawberry_django.field(
        description="The ownership was set by an approved change application."
    )
    agreement: AgreementType = strawberry_django.field(
        description="The 《商品发布协议》 version the seller accepted."
    )
    agreement_accepted_at: datetime
    shop: ShopType
    created_at: datetime
    updated_at: datetime
    listed_at: datetime | None
    delisted_at: datetime | None

    @strawberry_django.field(
        only=[
            "type",
            "patent_number",
            "patent_type",
            "application_date",
            "grant_date",
            "inventors",
            "ipc_classes",
            "legal_status",
        ],
        description="Patent details (patents only).",
    )
    def patent(self) -> PatentDetailsType | None:
        if self.type != ListingType.PATENT:
            return None
        return PatentDetailsType(
            number=self.patent_number,
            patent_type=_enum_or_none(PatentTypeEnum, self.patent_type),
            application_date=self.application_date,
            grant_date=self.grant_date,
            inventors=self.inventors,
            ipc_classes=self.ipc_classes,
            legal_status=_enum_or_none(LegalStatusEnum, self.legal_status),
        )

    @strawberry_django.field(
        only=["type", "maturity", "team"],
        description="Technology-achievement details (achievements only).",
    )
    def achievement(self) -> AchievementDetailsType | None:
        if self.type != ListingType.ACHIEVEMENT:
            return None
        return AchievementDetailsType(
            maturity=_enum_or_none(MaturityEnum, self.maturity), team=self.team
        )

    @strawberry_django.field(
        only=["ownership"],
        annotate={"identity_kind_": F("shop__identity__kind")},
        description="Whether this listing may join the auction season (own listings of "
        "universities, research institutes and state-owned enterprises).",
    )
    def season_eligible(self) -> bool:
        if not hasattr(self, "identity_kind_"):  # not loaded through a list query
            return season_eligible(self)
        return season_eligible_for(ownership=self.ownership, identity_kind=self.identity_kind_)

    ownership_changes: list["OwnershipChangeType"] = strawberry_django.field(
        description="Ownership change applications (seller and staff only)."
    )

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return queryset & listings_visible_to(info.context.user)


@strawberry_django.type(
    OwnershipChange,
    name="OwnershipChange",
    description="An application to change a listing's ownership status (权属变更).",
)
class OwnershipChangeType(relay.Node, ReviewableInterface):
    status: ReviewStatusEnum
    requested: OwnershipEnum
    reason: str
    listing: ListingNode

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return queryset & ownership_changes_visible_to(info.context.user)


@strawberry.input(description="Patent details; every field may be left empty in a draft.")
class PatentDetailsInput:
    number: str | None = strawberry.field(
        default=None, description="ZL202110123456.7, 202110123456.7, ZL98123456.X, ..."
    )
    patent_type: PatentTypeEnum | None = None
    application_date: date | None = None
    grant_date: date | None = None
    inventors: list[str] = strawberry.field(default_factory=list)
    ipc_classes: list[str] = strawberry.field(default_factory=list)
    legal_status: LegalStatusEnum | None = None


@strawberry.input(description="Technology-achievement details.")
class AchievementDetailsInput:
    maturity: MaturityEnum | None = None
    team: str | None = None


@strawberry.input(
    description="The listing form. A draft may be incomplete; submission needs all "
    "fields its type requires. Saving replaces the whole form."
)
class ListingFormInput:
    title: str | None = None
    field: TechFieldEnum | None = None
    description: str | None = None
    rights_holders: list[str] = strawberry.field(
        default_factory=list,
        description="权利人. Ownership is 自有 when one is your shop's verified entity.",
    )
    transaction_type: TransactionTypeEnum | None = None
    start_price: Decimal | None = strawberry.field(default=None, description="起拍价, CNY.")
    season_opt_in: bool = strawberry.field(
        default=False, description="Join the auction season (eligible listings only)."
    )
    patent: PatentDetailsInput | None = None
    achievement: AchievementDetailsInput | None = None


@strawberry.input
class ListingCreateInput:
    shop_id: relay.GlobalID = strawberry.field(description="Your open Shop.")
    type: ListingTypeEnum
    agreement_version: str = strawberry.field(
        description="The version of 《商品发布协议》 (query listingAgreement) you accept."
    )
    form: ListingFormInput


@strawberry.input
class ListingUpdateInput:
    id: relay.GlobalID
    form: ListingFormInput
    agreement_version: str | None = strawberry.field(
        default=None, description="Accept a newer 《商品发布协议》 when it changed."
    )


@strawberry.input
class ListingIdInput:
    id: relay.GlobalID


@strawberry.type
class ListingPayload:
    listing: ListingNode | None
    errors: list[Error]


@strawberry.input
class OwnershipChangeApplyInput:
    listing_id: relay.GlobalID
    requested: OwnershipEnum
    reason: str = strawberry.field(description="Why; staff review it.")


@strawberry.type
class OwnershipChangePayload:
    ownership_change: OwnershipChangeType | None
    errors: list[Error]


@strawberry.input(description="Trading-hall filters.")
class ListingFilter:
    type: ListingTypeEnum | None = None
    field: TechFieldEnum | None = None
    search: str | None = strawberry.field(
        default=None, description="Part of the title, or of the patent number."
    )
