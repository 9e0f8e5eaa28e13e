from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import Count, F, Prefetch
from strawberry import relay
from strawberry_django.optimizer import optimize

from auctions.models import LotItem
from auctions.selectors import lots_holding_listing
from listings.models import (
    LicenceKind,
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
from listings.services import listing_licence, season_eligible, season_eligible_for

from .context import Info
from .errors import Error
from .fields import blank_as_null
from .patents import LegalStatusEnum, PatentTypeEnum
from .reviews import ReviewableInterface, ReviewStatusEnum
from .shops import AgreementType, ShopType
from .visibility import visible_rows

if TYPE_CHECKING:
    from .auctions import LotType

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
TransactionTypeEnum = strawberry.enum(
    TransactionType, name="TransactionType", description="交易方式: how the rights pass."
)
MaturityEnum = strawberry.enum(Maturity, name="Maturity", description="技术成熟度.")
TechFieldEnum = strawberry.enum(TechField, name="TechField", description="技术领域 (category).")
LicenceKindEnum = strawberry.enum(
    LicenceKind,
    name="LicenceKind",
    description="许可方式: 独占 (EXCLUSIVE: only the licensee, not even the seller), 排他 "
    "(SOLE: the licensee and the seller) or 普通 (NON_EXCLUSIVE: the seller may license "
    "others).",
)
PaymentMethodEnum = strawberry.enum(
    PaymentMethod, name="PaymentMethod", description="付款方式: how the buyer pays."
)


@strawberry.type(description="Patent details of a patent listing.")
class PatentDetailsType:
    number: str = strawberry.field(description="Canonical form, e.g. ZL202110123456.7.")
    patent_type: PatentTypeEnum | None = strawberry.field(description="发明, 实用新型 or 外观设计.")
    application_date: date | None = strawberry.field(description="申请日.")
    grant_date: date | None = strawberry.field(description="授权公告日 (granted patents).")
    inventors: list[str] = strawberry.field(description="发明人, in the patent's order.")
    ipc_classes: list[str] = strawberry.field(description="IPC classes, e.g. H01M 4/36.")
    legal_status: LegalStatusEnum | None = strawberry.field(description="法律状态.")


@strawberry.type(description="Details of a technology-achievement listing.")
class AchievementDetailsType:
    maturity: MaturityEnum | None = strawberry.field(description="技术成熟度.")
    team: str = strawberry.field(description="The team behind it (成果完成团队).")


@strawberry.type(description="A licence's terms (transaction type LICENSE).")
class LicenceTermsType:
    kind: LicenceKindEnum | None = strawberry.field(description="独占, 排他 or 普通.")
    term_years: int | None = strawberry.field(
        description="The term in years from the contract (or startsOn/endsOn)."
    )
    starts_on: date | None = strawberry.field(description="The term's first day (with endsOn).")
    ends_on: date | None = strawberry.field(description="The term's last day (with startsOn).")
    territory: str | None = strawberry.field(description="许可地域, e.g. 中国大陆.")


def _enum_or_none(enum, value):
    return enum(value) if value else None


def _lots_holding_it(info: Info) -> Prefetch:
    """The lots of each listing on a page, the latest first, optimized for what the query
    asks of a lot (its session, price …), so Listing.lot costs two queries per page, not
    one per row. A listing is in a lot as one of its items (the lead of an ordinary lot, or
    any listing of a package, issue 14): said here and in
    auctions.selectors.lots_holding_listing, nowhere else."""
    lots = optimize(lots_holding_listing(), info)
    items = (
        LotItem.objects.filter(lot__in=lots_holding_listing().values("pk"))
        .order_by("-lot__session__bidding_starts_at", "-lot_id")
        .prefetch_related(Prefetch("lot", queryset=lots))
    )
    return Prefetch("lot_items", queryset=items, to_attr="lot_items_holding_it")


@strawberry_django.type(
    Listing,
    name="Listing",
    description="A patent or technology achievement offered by a shop (标的物).",
)
class ListingNode(ReviewableInterface):
    status: ListingStatusEnum = strawberry_django.field(
        description="Draft, in review, listed, sold …"
    )
    type: ListingTypeEnum = strawberry_django.field(description="Patent or technology achievement.")
    title: str | None = blank_as_null(
        "title", description="The title shown in the trading hall; null in an unfinished draft."
    )
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
        "transaction_type",
        TransactionTypeEnum,
        description="How the rights pass; null in an unfinished draft.",
    )
    payment_method: PaymentMethodEnum = strawberry_django.field(description="How the buyer pays.")
    start_price: Decimal | None = strawberry_django.field(description="起拍价, CNY.")
    season_opt_in: bool = strawberry_django.field(description="Joins the auction season.")
    ownership: OwnershipEnum = strawberry_django.field(
        description="自有 or 代理, from the rights holders."
    )
    ownership_reviewed: bool = strawberry_django.field(
        description="The ownership was set by an approved change application."
    )
    agreement: AgreementType = strawberry_django.field(
        description="The 《商品发布协议》 version the seller accepted."
    )
    agreement_accepted_at: datetime = strawberry_django.field(
        description="When the seller accepted the agreement."
    )
    shop: ShopType = strawberry_django.field(description="The shop offering it.")
    created_at: datetime = strawberry_django.field(description="When the draft was created.")
    updated_at: datetime = strawberry_django.field(description="When it last changed.")
    listed_at: datetime | None = strawberry_django.field(
        description="When it went on sale (approved)."
    )
    delisted_at: datetime | None = strawberry_django.field(
        description="When it was taken off sale."
    )

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
        only=["transaction_type"],
        select_related=["licence_terms"],
        description="The licence's terms (transaction type LICENSE); null for a transfer, or "
        "for a licence whose terms the seller left to the contract.",
    )
    def licence(self) -> LicenceTermsType | None:
        terms = listing_licence(self)
        if terms is None:
            return None
        return LicenceTermsType(
            kind=_enum_or_none(LicenceKindEnum, terms.kind),
            term_years=terms.term_years,
            starts_on=terms.starts_on,
            ends_on=terms.ends_on,
            territory=terms.territory or None,
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

    @strawberry_django.field(
        annotate={"data_room_document_count_": Count("data_room_documents", distinct=True)},
        description="How many documents its data room holds (public; the documents are "
        "not: see dataRoom).",
    )
    def data_room_document_count(self) -> int:
        if hasattr(self, "data_room_document_count_"):
            return self.data_room_document_count_
        return self.data_room_documents.count()

    ownership_changes: list["OwnershipChangeType"] = strawberry_django.field(
        description="Ownership change applications (seller and staff only)."
    )

    @strawberry_django.field(
        prefetch_related=[_lots_holding_it],
        description="The auction lot it is (or was last) put up in; null if none. Joined "
        "into a list's queries: a page of listings costs two queries more, not one per row.",
    )
    def lot(self) -> Annotated["LotType", strawberry.lazy("schema.auctions")] | None:
        items = getattr(self, "lot_items_holding_it", None)
        if items is None:  # not loaded through a list query
            return lots_holding_listing().filter(items__listing=self).first()
        return items[0].lot if items else None

    get_queryset = visible_rows(listings_visible_to)


@strawberry_django.type(
    OwnershipChange,
    name="OwnershipChange",
    description="An application to change a listing's ownership status (权属变更).",
)
class OwnershipChangeType(ReviewableInterface):
    status: ReviewStatusEnum = strawberry_django.field(description="Where it stands in review.")
    requested: OwnershipEnum = strawberry_django.field(
        description="The ownership status asked for."
    )
    reason: str = strawberry_django.field(description="The applicant's reason.")
    listing: ListingNode = strawberry_django.field(description="The listing concerned.")

    get_queryset = visible_rows(ownership_changes_visible_to)


@strawberry.input(description="Patent details; every field may be left empty in a draft.")
class PatentDetailsInput:
    number: str | None = strawberry.field(
        default=None, description="ZL202110123456.7, 202110123456.7, ZL98123456.X, ..."
    )
    patent_type: PatentTypeEnum | None = strawberry.field(
        default=None, description="发明, 实用新型 or 外观设计."
    )
    application_date: date | None = strawberry.field(default=None, description="申请日.")
    grant_date: date | None = strawberry.field(default=None, description="授权公告日.")
    inventors: list[str] = strawberry.field(default_factory=list, description="发明人.")
    ipc_classes: list[str] = strawberry.field(
        default_factory=list, description="IPC classes, e.g. H01M 4/36."
    )
    legal_status: LegalStatusEnum | None = strawberry.field(default=None, description="法律状态.")


@strawberry.input(description="Technology-achievement details.")
class AchievementDetailsInput:
    maturity: MaturityEnum | None = strawberry.field(default=None, description="技术成熟度.")
    team: str | None = strawberry.field(default=None, description="成果完成团队.")


@strawberry.input(
    description="A licence's terms: the kind, the term (termYears, or startsOn and endsOn) "
    "and the territory. Optional for a licence (left to the contract), but once one is "
    "given, submission needs all."
)
class LicenceTermsInput:
    kind: LicenceKindEnum | None = strawberry.field(default=None, description="独占, 排他 or 普通.")
    term_years: int | None = strawberry.field(
        default=None, description="1 to 50 years from the contract (not with dates)."
    )
    starts_on: date | None = strawberry.field(default=None, description="The first day.")
    ends_on: date | None = strawberry.field(default=None, description="The last day (after it).")
    territory: str | None = strawberry.field(default=None, description="许可地域, e.g. 中国大陆.")


@strawberry.input(
    description="The listing form. A draft may be incomplete; submission needs all "
    "fields its type requires. Saving replaces the whole form."
)
class ListingFormInput:
    title: str | None = strawberry.field(default=None, description="The title.")
    field: TechFieldEnum | None = strawberry.field(default=None, description="技术领域.")
    description: str | None = strawberry.field(default=None, description="Abstract or description.")
    rights_holders: list[str] = strawberry.field(
        default_factory=list,
        description="权利人. Ownership is 自有 when one is your shop's verified entity.",
    )
    transaction_type: TransactionTypeEnum | None = strawberry.field(
        default=None, description="交易方式."
    )
    start_price: Decimal | None = strawberry.field(default=None, description="起拍价, CNY.")
    season_opt_in: bool = strawberry.field(
        default=False, description="Join the auction season (eligible listings only)."
    )
    patent: PatentDetailsInput | None = strawberry.field(
        default=None, description="Type PATENT: the patent details."
    )
    achievement: AchievementDetailsInput | None = strawberry.field(
        default=None, description="Type ACHIEVEMENT: the achievement details."
    )
    licence: LicenceTermsInput | None = strawberry.field(
        default=None, description="Transaction type LICENSE: the licence's terms."
    )


@strawberry.input
class ListingCreateInput:
    shop_id: relay.GlobalID = strawberry.field(description="Your open Shop.")
    type: ListingTypeEnum = strawberry.field(description="Patent or achievement; fixed.")
    agreement_version: str = strawberry.field(
        description="The version of 《商品发布协议》 (query listingAgreement) you accept."
    )
    form: ListingFormInput = strawberry.field(description="The form, complete or not.")


@strawberry.input
class ListingUpdateInput:
    id: relay.GlobalID = strawberry.field(description="Your Listing.")
    form: ListingFormInput = strawberry.field(description="The whole form, replacing the old.")
    agreement_version: str | None = strawberry.field(
        default=None, description="Accept a newer 《商品发布协议》 when it changed."
    )


@strawberry.input
class ListingIdInput:
    id: relay.GlobalID = strawberry.field(description="The Listing.")


@strawberry.type
class ListingPayload:
    listing: ListingNode | None = strawberry.field(description="The listing, changed.")
    errors: list[Error]


@strawberry.input
class OwnershipChangeApplyInput:
    listing_id: relay.GlobalID = strawberry.field(description="Your Listing.")
    requested: OwnershipEnum = strawberry.field(description="The ownership status asked for.")
    reason: str = strawberry.field(description="Why; staff review it.")


@strawberry.type
class OwnershipChangePayload:
    ownership_change: OwnershipChangeType | None = strawberry.field(
        description="The application, pending review."
    )
    errors: list[Error]


@strawberry.input(description="Trading-hall filters.")
class ListingFilter:
    type: ListingTypeEnum | None = strawberry.field(default=None, description="Only this type.")
    field: TechFieldEnum | None = strawberry.field(default=None, description="Only this field.")
    search: str | None = strawberry.field(
        default=None, description="Part of the title, or of the patent number."
    )
    shop_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only this Shop's listings (a shop page)."
    )
