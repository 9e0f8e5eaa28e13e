from datetime import date, datetime
from decimal import Decimal

import strawberry
import strawberry_django
from django.urls import reverse
from strawberry import relay
from strawberry.file_uploads import Upload

from deals.models import Deal, DealStatus, DealStepKind, DocumentKind
from deals.models import DealRole as DealRoleChoice
from deals.selectors import deal_contract_draft_path, deals_visible_to
from files.selectors import file_signed_path

from .auctions import LotType
from .context import Info
from .errors import Error
from .fields import blank_as_null
from .files import FileType
from .labels import enum_label
from .visibility import visible_rows

DealStatusEnum = strawberry.enum(
    DealStatus,
    name="DealStatus",
    description="NOTICE_ISSUED -> CONTRACT_UPLOADED -> PAID -> DELIVERED -> CERTIFIED, or "
    "CANCELLED (buyer default).",
)


DealRole = strawberry.enum(
    DealRoleChoice,
    name="DealRole",
    description="Which side of a deal you are on: BUYER (买受人, you won the lot) or SELLER "
    "(委托人, your shop's listing sold).",
)
DealStepKindEnum = strawberry.enum(
    DealStepKind,
    name="DealStepKind",
    description="A step of a deal, in order: NOTICE, CONTRACT, PAYMENT, DELIVERY, CERTIFICATE.",
)


@strawberry.type(description="One step of a deal, for a progress display.")
class DealStep:
    kind: DealStepKindEnum = strawberry.field(
        description="Which step (a stable code: branch on it; its label is `name`)."
    )
    name: str = strawberry.field(
        description="The step's label (`enumLabels` of DealStepKind): 成交通知书, 签署并上传合同, "
        "上传付款凭证, 确认交割, 交易凭证 (English with `Accept-Language: en`)."
    )
    done: bool = strawberry.field(description="The step is complete.")
    at: datetime | None = strawberry.field(description="When it was completed.")
    deadline: date | None = strawberry.field(
        description="The day it is due by, if it has a deadline."
    )


@strawberry_django.type(
    Deal,
    name="Deal",
    description="A sold lot from the deal notice to the transaction certificate (parties "
    "and staff only).",
)
class DealType(relay.Node):
    serial: str = strawberry_django.field(description="成交编号.")
    status: DealStatusEnum = strawberry_django.field(description="The step it has reached.")
    price: Decimal = strawberry_django.field(description="成交价, CNY.")
    won_under_priority_right: bool = strawberry_django.field(
        description="The buyer won by the priority purchase right (优先购买权): its winning "
        "bid matched a price another bidder had bid first."
    )
    licence_rank: int = strawberry_django.field(
        description="1, or for a lot sold as several non-exclusive licences this winner's "
        "rank among them (by their highest bids)."
    )
    dealt_at: datetime = strawberry_django.field(description="When the lot was sold (its end).")
    contract_deadline: date = strawberry_django.field(
        description="The contract is due by this day: 5 working days after the deal "
        "(Chinese statutory holidays and adjusted working days counted)."
    )
    contract_deadline_provisional: bool = strawberry_django.field(
        description="True while contractDeadline was counted over a year whose official "
        "holiday schedule is not yet entered (statutory holidays only, no adjusted working "
        "days): the day may still move, and both parties are told when it does."
    )
    overdue_at: datetime | None = strawberry_django.field(
        description="Set when the deadline passed without a contract."
    )
    notice: FileType | None = strawberry_django.field(description="《网络竞价成交通知书》.")
    contract: FileType | None = strawberry_django.field(
        description="The signed contract, once uploaded."
    )
    contract_uploaded_at: datetime | None = strawberry_django.field(
        description="When the contract was uploaded."
    )
    payment_proof: FileType | None = strawberry_django.field(
        description="The buyer's payment proof (付款凭证)."
    )
    paid_at: datetime | None = strawberry_django.field(
        description="When the payment proof was uploaded."
    )
    delivered_at: datetime | None = strawberry_django.field(
        description="When delivery (交割) was confirmed."
    )
    certificate: FileType | None = strawberry_django.field(
        description="《交易凭证》: null until issued (see certificatePending)."
    )

    @strawberry_django.field(
        only=["status", "certificate_id"],
        description="True from the delivery confirmation until 《交易凭证》 exists: the "
        "worker renders and stores it after the confirmation commits (usually within a "
        "second); the parties are told when it is issued.",
    )
    def certificate_pending(self) -> bool:
        return self.certificate_pending()

    certified_at: datetime | None = strawberry_django.field(
        description="When 《交易凭证》 was issued."
    )
    chain_head: str | None = blank_as_null(
        "chain_head",
        description="The lot's verified bid-log hash printed on the certificate; null before.",
    )
    patent_transfer_registered_on: date | None = strawberry_django.field(
        description="专利权转让登记 date, once recorded."
    )
    patent_transfer_number: str | None = blank_as_null(
        "patent_transfer_number", description="专利权转让登记 number; null until recorded."
    )
    tech_contract_registered_on: date | None = strawberry_django.field(
        description="技术合同登记 date, once recorded."
    )
    tech_contract_number: str | None = blank_as_null(
        "tech_contract_number", description="技术合同登记 number; null until recorded."
    )
    cancelled_at: datetime | None = strawberry_django.field(
        description="When staff cancelled it (buyer default)."
    )
    cancel_reason: str | None = blank_as_null(
        "cancel_reason", description="Why it was cancelled; null unless cancelled."
    )
    lot: LotType = strawberry_django.field(description="The lot that sold.")

    @strawberry_django.field(
        only=["buyer__verification__name"], description="The buyer's real name (revealed now)."
    )
    def buyer_name(self) -> str:
        return self.buyer.verification.name

    @strawberry_django.field(
        only=["seller__verification__name"], description="The seller's verified name (委托人)."
    )
    def seller_name(self) -> str:
        return self.seller.verification.name

    @strawberry_django.field(
        only=["registration__bidder_number"], description="The buyer's 竞买号."
    )
    def buyer_bidder_number(self) -> str:
        return self.registration.bidder_number

    @strawberry_django.field(
        only=["buyer_id", "seller_id"], description="Your side of this deal, if any."
    )
    def my_role(self, info: Info) -> DealRole | None:
        user = info.context.user
        if user.pk == self.buyer_id:
            return DealRole.BUYER
        if user.pk == self.seller_id:
            return DealRole.SELLER
        return None

    @strawberry_django.field(
        only=["lot__session__season__contract_template", "buyer_id", "seller_id"],
        description="Where to download the contract template: the season's own if it has "
        "one, else the platform's transfer or licence contract (by the listing's transaction "
        "type) filled with this deal's parties, patent, price and dates (a short-lived link).",
    )
    def contract_template_url(self, info: Info) -> str:
        template = self.lot.session.season.contract_template
        user = info.context.user
        if template is not None:
            path = file_signed_path(user=user, file=template)
            if path:
                return info.context.absolute_url(path)
        path = deal_contract_draft_path(user=user, deal=self)
        return info.context.absolute_url(path or reverse("deals:contract_template"))

    @strawberry.field(description="The steps with their dates and deadlines.")
    def steps(self) -> list[DealStep]:
        def step(kind, at, deadline=None):
            return DealStep(
                kind=kind,
                name=enum_label("DealStepKind", kind),
                done=at is not None,
                at=at,
                deadline=deadline,
            )

        return [
            step(DealStepKind.NOTICE, self.dealt_at),
            step(DealStepKind.CONTRACT, self.contract_uploaded_at, self.contract_deadline),
            step(DealStepKind.PAYMENT, self.paid_at),
            step(DealStepKind.DELIVERY, self.delivered_at),
            step(DealStepKind.CERTIFICATE, self.certified_at),
        ]

    get_queryset = visible_rows(deals_visible_to)


@strawberry.input
class DealContractUploadInput:
    deal_id: relay.GlobalID = strawberry.field(description="The Deal.")
    contract: Upload = strawberry.field(description="The signed contract, PDF.")


@strawberry.input
class DealPaymentProofUploadInput:
    deal_id: relay.GlobalID = strawberry.field(description="The Deal.")
    payment_proof: Upload = strawberry.field(description="PDF, JPEG or PNG.")


@strawberry.input
class DealIdInput:
    deal_id: relay.GlobalID = strawberry.field(description="The Deal.")


@strawberry.input(description="Registrations after the deal; give what you have.")
class DealTransferRecordInput:
    deal_id: relay.GlobalID = strawberry.field(description="The Deal.")
    patent_transfer_registered_on: date | None = strawberry.field(
        default=None, description="专利权转让登记 date."
    )
    patent_transfer_number: str | None = strawberry.field(
        default=None, description="专利权转让登记 number."
    )
    tech_contract_registered_on: date | None = strawberry.field(
        default=None, description="技术合同登记 date."
    )
    tech_contract_number: str | None = strawberry.field(
        default=None, description="技术合同登记 number."
    )


@strawberry.input
class DealCancelInput:
    deal_id: relay.GlobalID = strawberry.field(description="The Deal.")
    reason: str = strawberry.field(description="Why the buyer defaulted; recorded as a strike.")


@strawberry.input
class SeasonResultsExportInput:
    season_id: relay.GlobalID = strawberry.field(description="The Season.")


@strawberry.input
class SeasonContractTemplateInput:
    season_id: relay.GlobalID = strawberry.field(description="The Season.")
    template: Upload = strawberry.field(description="PDF.")


@strawberry.type
class DealPayload:
    deal: DealType | None = strawberry.field(description="The deal, changed.")
    errors: list[Error]


@strawberry.type
class FilePayload:
    file: FileType | None = strawberry.field(description="The file made or stored.")
    errors: list[Error]


DocumentKindEnum = strawberry.enum(
    DocumentKind, name="DocumentKind", description="Which document was verified."
)


@strawberry.type(
    description="Public: whether a deal notice or transaction certificate is genuine. Only "
    "what the document itself states is returned, and only when serial and code match."
)
class DocumentVerification:
    genuine: bool = strawberry.field(
        description="False for any serial or code the exchange did not issue (forged, "
        "altered, or mistyped)."
    )
    kind: DocumentKindEnum | None = strawberry.field(
        default=None, description="Which document the serial belongs to."
    )
    serial: str | None = strawberry.field(
        default=None, description="The verification serial (验证编号) as printed."
    )
    lot_title: str | None = strawberry.field(default=None, description="标的名称.")
    price: Decimal | None = strawberry.field(default=None, description="成交价 (CNY).")
    dealt_on: date | None = strawberry.field(default=None, description="成交日期 (Beijing).")
    buyer_name: str | None = strawberry.field(default=None, description="买受人.")
    seller_name: str | None = strawberry.field(default=None, description="委托人（卖方）.")
    bid_chain_head: str | None = strawberry.field(
        default=None,
        description="The lot's bid-log SHA-256 chain head as printed (the notice's is the head "
        "when the lot closed; the certificate's was verified when it was issued).",
    )

    @classmethod
    def of(cls, document) -> "DocumentVerification":
        if document is None:
            return cls(genuine=False)
        return cls(
            genuine=True,
            kind=DocumentKindEnum(document.kind),
            serial=document.serial,
            lot_title=document.lot_title,
            price=document.price,
            dealt_on=document.dealt_on,
            buyer_name=document.buyer_name,
            seller_name=document.seller_name,
            bid_chain_head=document.bid_chain_head or None,
        )
